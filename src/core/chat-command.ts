import type { ErrorCode } from "./errors.js";

/**
 * A slash command as the core sees it: already authenticated by the transport, with no trace of
 * HTTP or Mattermost field names. The reply is what the person who typed it gets back.
 */
export interface ChatUser {
  readonly id: string;
  readonly name: string;
}

export interface ChatChannel {
  readonly id: string;
  readonly name: string;
}

export interface ChatCommand {
  /** Everything after the trigger word, e.g. "project-example master abc123". */
  readonly text: string;
  readonly user: ChatUser;
  readonly channel: ChatChannel;
}

export interface Reply {
  /** Ephemeral replies are seen by the requester only; refusals are always ephemeral. */
  readonly visibility: "ephemeral" | "in_channel";
  /** Markdown. */
  readonly text: string;
  /** A refusal (a SlashbuildError's message): the chat edge words it as an apology. */
  readonly refusal?: true;
  /** The refusal's code (docs/errors.md), for clients that act on it, such as `slashbuild try`. */
  readonly code?: ErrorCode;
}

/**
 * Rebuilds from the web UI are requested "in" this pseudo-channel, so channel allow-lists apply to
 * them as to any channel. It is not a Mattermost channel: nothing is ever posted to it (status
 * posts of such a build go to the repo's notify channel, else the original build's channel).
 */
export const WEB_CHANNEL: ChatChannel = { id: "web", name: "web" };
