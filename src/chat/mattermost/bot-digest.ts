import type { Config } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import type { DigestContext, DigestPart, DigestPolicy, OutboxMessage } from "../../notify/ports.js";
import type { BotPayload, ChannelRef } from "./bot-payload.js";
import { digestInput } from "./digest-input.js";
import { formatDigestTexts } from "./format-digest.js";
import { BOT_REPLY } from "./status-formatters.js";

/**
 * Bot mode's digest rule. Root posts are always patched to their final state, one by one (an edit
 * in place notifies nobody and floods nothing). What would flood the channel after an outage is
 * the finish replies, one new post per build: when more than `delivery.digest_after` of them are
 * pending for one channel, they go as digest posts instead, plain channel posts (the replies
 * belong to many threads, a digest to none), with the same text as webhook mode's digest.
 *
 * A reply waits for its root post; a digest does not (it is in no thread), so the deliverer looks
 * at every pending reply (`ahead`), and the digest goes out as soon as the backlog is seen, before
 * the root post patches that remain: the news and the @-mentions first, the tidying after.
 */
export function botDigest(config: Config, findBuild: (id: number) => Build | undefined): DigestPolicy {
  return {
    after: config.delivery.digestAfter,
    ahead: BOT_REPLY,
    key(message: OutboxMessage): string | null {
      const channel = replyChannel(message);
      if (!channel) return null;
      return "id" in channel ? `id:${channel.id}` : `name:${channel.name}`;
    },
    compose(messages: readonly OutboxMessage[], _now: number, context?: DigestContext): DigestPart[] {
      const input = digestInput(config, findBuild, messages, context);
      const channel = replyChannel(messages[0]);
      if (input.builds.length === 0 || !channel) return [];
      return formatDigestTexts(input.builds, input.text).map((part) => {
        const payload: BotPayload = { op: "post", channel, message: part.text };
        return { payload, covers: input.covers(part.buildIds) };
      });
    },
  };
}

/** The channel of a build's finish reply; null for anything else (root post updates never go in a digest). */
function replyChannel(message: OutboxMessage | undefined): ChannelRef | null {
  if (!message || message.kind !== BOT_REPLY || message.buildId === null) return null;
  const payload = message.payload as Partial<Extract<BotPayload, { op: "reply" }>> | null;
  const channel = payload?.op === "reply" ? payload.channel : undefined;
  if (!channel || typeof channel !== "object") return null;
  if ("id" in channel && typeof channel.id === "string") return { id: channel.id };
  if ("name" in channel && typeof channel.name === "string") return { name: channel.name };
  return null;
}
