import type { Config } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import type { Clock } from "../../core/ports.js";
import type { DigestPolicy, StatusFormatter, Transport } from "../../notify/ports.js";
import type { RootPostStore } from "../root-post-store.js";
import { ACTION_PATH, type ClickerLookup } from "./action-route.js";
import { DEFAULT_BUTTON_LIFETIME_MS, deriveActionSecret } from "./action-signature.js";
import { botDigest } from "./bot-digest.js";
import { createBotTransport } from "./bot-transport.js";
import type { ActionOptions } from "./build-actions.js";
import { formatFullLog } from "./format-build-post.js";
import { createMattermostApi, type MattermostApi } from "./mattermost-api.js";
import type { ChatMode } from "./post-place.js";
import { botFormatter, webhookFormatter } from "./status-formatters.js";
import { webhookDigest } from "./webhook-digest.js";
import { createWebhookTransport } from "./webhook-transport.js";

/**
 * Chooses Mattermost's mode from the config and builds its implementations of notify/'s ports
 * (transport, formatter) plus what the action route needs: bot mode (mattermost.url + bot_token:
 * REST API, one post per build) or webhook mode (webhook_url). With neither, Mattermost announces
 * nothing (the console stands in: chat/console/) and only receives commands.
 */

export type { ChatMode } from "./post-place.js";

export interface MattermostChatDeps {
  /** Bot mode's root post per build (store/sqlite-chat-posts.ts). */
  readonly rootPosts: RootPostStore;
  /** For the "Full log" answer, and a web rebuild's original channel. */
  readonly findBuild: (id: number) => Build | undefined;
  /** The branch's previous build with a verdict, so a finish can say who broke or fixed it. */
  readonly previous?: (build: Build) => Pick<Build, "status"> | undefined;
  readonly clock: Clock;
  readonly fetch?: typeof fetch;
  /** Every secret slashbuild knows (core/known-secrets.ts), masked in the "Full log" answer. */
  readonly secrets?: readonly string[];
}

/** How Mattermost announces builds in one mode. */
export interface MattermostPosts {
  readonly mode: ChatMode;
  readonly transport: Transport;
  readonly formatter: StatusFormatter;
  /**
   * Backlogs for one channel go as digest posts: webhook mode's finish posts; bot mode's finish
   * replies (its root posts are still patched one by one).
   */
  readonly digest: DigestPolicy;
}

export interface MattermostChat {
  /** null: neither a webhook nor a bot is configured, so Mattermost only receives commands. */
  readonly posts: MattermostPosts | null;
  /** HMAC key for buttons (the action route verifies with it). */
  readonly actionSecret: string;
  /** Text of the "Full log" answer for a build id. */
  fullLog(buildId: number): string;
  /** Bot mode: the post a build's buttons are on; null in webhook mode (post ids are never learned). */
  readonly rootPostOf: ((buildId: number) => string | undefined) | null;
  /** Bot mode: who Mattermost says a user id is, for button clicks; null in webhook mode. */
  readonly whoIs: ((userId: string) => Promise<ClickerLookup>) | null;
  /** Bot mode: asks Mattermost who the token belongs to, so a bad token shows at startup. */
  checkBot(): Promise<string | null>;
}

/** null: neither a bot nor a webhook is configured. */
export function chatMode(config: Config): ChatMode | null {
  if (config.mattermost.url && config.mattermost.botToken) return "bot";
  return config.mattermost.webhookUrl ? "webhook" : null;
}

export function createMattermostChat(config: Config, deps: MattermostChatDeps): MattermostChat {
  const mode = chatMode(config);
  const actionSecret = deriveActionSecret(config.mattermost.actionSecret, config.mattermost.tokens);
  const actions: ActionOptions = {
    url: `${config.publicUrl}${ACTION_PATH}`,
    secret: actionSecret,
    lifetimeMs: config.mattermost.buttonLifetimeMs ?? DEFAULT_BUTTON_LIFETIME_MS,
    clock: deps.clock,
  };
  const fetchOption = deps.fetch ? { fetch: deps.fetch } : {};

  const api: MattermostApi | null =
    mode === "bot"
      ? createMattermostApi({
          url: config.mattermost.url as string,
          token: config.mattermost.botToken as string,
          timeoutMs: config.delivery.timeoutMs,
          clock: deps.clock,
          ...fetchOption,
        })
      : null;
  let posts: MattermostPosts | null = null;
  if (api) {
    posts = {
      mode: "bot",
      transport: createBotTransport({ api, posts: deps.rootPosts, team: config.mattermost.team }),
      formatter: botFormatter(config, actions, deps.findBuild, deps.previous),
      digest: botDigest(config, deps.findBuild),
    };
  } else if (mode === "webhook") {
    posts = {
      mode: "webhook",
      transport: createWebhookTransport({
        webhookUrl: config.mattermost.webhookUrl as string,
        timeoutMs: config.delivery.timeoutMs,
        clock: deps.clock,
        ...fetchOption,
      }),
      formatter: webhookFormatter(config, actions, deps.previous),
      digest: webhookDigest(config, deps.findBuild),
    };
  }

  const botApi = api;
  return {
    posts,
    rootPostOf: botApi ? (buildId) => deps.rootPosts.get(buildId)?.postId : null,
    whoIs: botApi ? (userId) => lookUpClicker(botApi, userId) : null,
    actionSecret,
    fullLog(buildId) {
      const build = deps.findBuild(buildId);
      if (!build) return `There is no build #${buildId} any more.`;
      const repo = config.repos[build.repo];
      return formatFullLog(build, {
        publicUrl: config.publicUrl,
        secrets: deps.secrets ?? (repo ? Object.values(repo.secrets) : []),
      });
    },
    async checkBot() {
      if (!api) return null;
      const me = await api.me();
      if (me.ok) return null;
      return me.status === 401
        ? "mattermost.bot_token was refused (401): create a bot account's access token and put it there"
        : `could not ask Mattermost who the bot is: ${me.outcome.error}`;
    },
  };
}

/** A 404 (or an id that is not one) means no such user; a deactivated account counts as none. */
async function lookUpClicker(api: MattermostApi, userId: string): Promise<ClickerLookup> {
  const found = await api.user(userId);
  if (found.ok) {
    const { username, delete_at: deletedAt } = found.body;
    if (typeof username !== "string" || username === "" || (deletedAt ?? 0) > 0) return { kind: "unknown" };
    return { kind: "user", name: username };
  }
  return found.status === 404 || found.status === 400
    ? { kind: "unknown" }
    : { kind: "unavailable", error: found.outcome.error };
}
