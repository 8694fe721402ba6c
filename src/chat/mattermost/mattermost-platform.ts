import type { ChatPlatform, CommandHandler } from "../chat-platform.js";
import { actionRoute } from "./action-route.js";
import { deriveActionSecret } from "./action-signature.js";
import { createMattermostChat } from "./create-mattermost-chat.js";
import { SLASH_PATHS, slashRoute } from "./slash-route.js";

/**
 * Mattermost behind the chat-platform port: its slash command and buttons as receivers (token and
 * HMAC checked here, the command answered by the core), its webhook or bot posts as
 * announcements, and its bot account as a readiness probe. Its settings are the `mattermost:`
 * section, which every config has (the slash command's token).
 */
export const mattermostPlatform: ChatPlatform<"mattermost"> = {
  name: "mattermost",
  displayNames: ["Mattermost"],
  standIn: false,
  secrets: (config) => [deriveActionSecret(config.mattermost.actionSecret, config.mattermost.tokens)],
  open(config, deps) {
    const chat = createMattermostChat(config, deps);
    const { properNames, clock } = deps;
    return {
      receivers: {
        commandPaths: SLASH_PATHS,
        routes: (handleCommand: CommandHandler) => async (app) => {
          await app.register(slashRoute, { tokens: config.mattermost.tokens, properNames, handleCommand });
          await app.register(actionRoute, {
            secret: chat.actionSecret,
            properNames,
            handleCommand,
            fullLog: (id) => chat.fullLog(id),
            clock,
            rootPostOf: chat.rootPostOf,
            whoIs: chat.whoIs,
          });
        },
      },
      announcements: chat.posts && {
        mode: chat.posts.mode,
        sink: "chat",
        transport: chat.posts.transport,
        formatter: chat.posts.formatter,
        paced: true,
        digest: chat.posts.digest,
      },
      probe:
        chat.posts?.mode === "bot"
          ? async () => {
              const problem = await chat.checkBot();
              if (problem) throw new Error(problem);
            }
          : null,
      start() {
        chat.checkBot().then(
          (problem) => problem && deps.logger.error({ configKey: "mattermost.bot_token" }, problem),
          (error: unknown) =>
            deps.logger.warn(
              { err: error, url: config.mattermost.url, configKey: "mattermost.bot_token" },
              `could not ask Mattermost at ${config.mattermost.url} who the bot is: check mattermost.url and mattermost.bot_token`,
            ),
        );
      },
    };
  },
};
