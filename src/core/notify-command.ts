import type { ChatUser } from "./chat-command.js";
import { SlashbuildError } from "./errors.js";
import type { DirectMessageLevel, DirectMessagePreferences } from "./ports.js";

/**
 * `/build notify me failures|all|off`: whether a person hears about their own builds' finishes by
 * direct message: builds they asked for, and builds of pushes of their commits (their commit email
 * mapped to them by `forges.<host>.mattermost_users`). Stored by chat user id, so nobody can choose
 * for someone else: the id is the one the chat platform vouched for with the command.
 */
export function answerNotify(
  preferences: DirectMessagePreferences | undefined,
  user: ChatUser,
  level: DirectMessageLevel | null,
): string {
  if (!preferences) {
    throw new SlashbuildError(
      "DIRECT_MESSAGES_UNAVAILABLE",
      "Direct messages need slashbuild's bot mode (`mattermost.url` and `mattermost.bot_token` in its config), and this slashbuild has no bot: a webhook posts in one channel and cannot send them. Ask an admin to set up the bot account (docs/chat.md, bot mode); until then, the channel's posts say how builds end.",
    );
  }
  if (level === null) return current(preferences.levelOf(user.id));
  preferences.set(user, level);
  return level === "off"
    ? "Done: no more direct messages about your builds. `/build notify me failures` starts them again."
    : `Done: ${WHEN[level]}. \`/build notify me off\` stops them.`;
}

const WHEN: Readonly<Record<"failures" | "all", string>> = {
  failures:
    "I will send you a direct message when a build you asked for, or a build of commits you pushed, fails or times out",
  all: "I will send you a direct message when a build you asked for, or a build of commits you pushed, finishes",
};

function current(level: DirectMessageLevel): string {
  if (level === "off") {
    return "You get no direct messages about your builds. `/build notify me failures` asks for one when a build of yours fails; `all` for every finish.";
  }
  return `${WHEN[level].replace("I will send you", "You get")}. \`/build notify me off\` stops them.`;
}
