/**
 * What bot mode stores in the outbox. The payload is transport-neutral about ids: the root post's
 * id is only known once Mattermost has created it, so messages name the build and the bot
 * transport looks the post up when it sends (src/store/sqlite-chat-posts.ts).
 */

/** A channel by id (where /build was typed) or by name (notify_channel, resolved in mattermost.team). */
export type ChannelRef = { readonly id: string } | { readonly name: string };

export interface PostContent {
  readonly message: string;
  readonly props: Readonly<Record<string, unknown>>;
}

export type BotPayload =
  /** Creates the build's root post, or patches it with the build's whole current state. */
  | ({ readonly op: "upsert_root"; readonly buildId: number; readonly channel: ChannelRef } & PostContent)
  /** A reply in the root post's thread (a new post: the one kind of update that notifies @mentions). */
  | {
      readonly op: "reply";
      readonly buildId: number;
      readonly channel: ChannelRef;
      readonly message: string;
    }
  /**
   * A channel post of its own, tied to no build: a digest of many builds' finish replies after an
   * outage (bot-digest.ts). It belongs to no thread, so it waits for no root post.
   */
  | { readonly op: "post"; readonly channel: ChannelRef; readonly message: string };

export function isBotPayload(value: unknown): value is BotPayload {
  if (typeof value !== "object" || value === null) return false;
  const payload = value as Record<string, unknown>;
  const op = payload.op;
  return (
    (op === "post" || ((op === "upsert_root" || op === "reply") && typeof payload.buildId === "number")) &&
    typeof payload.message === "string" &&
    typeof payload.channel === "object" &&
    payload.channel !== null
  );
}
