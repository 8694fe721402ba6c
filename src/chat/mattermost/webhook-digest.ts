import type { Config } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import type { DigestContext, DigestPart, DigestPolicy, OutboxMessage } from "../../notify/ports.js";
import { digestInput } from "./digest-input.js";
import { formatDigest } from "./format-digest.js";

/**
 * Webhook mode's digest rule: finish posts are grouped by the channel they go to; when more than
 * `delivery.digest_after` of one channel are pending (an outage backlog, or a burst), they go out
 * as digest posts (format-digest.ts) built from the builds as stored now.
 */
export function webhookDigest(config: Config, findBuild: (id: number) => Build | undefined): DigestPolicy {
  return {
    after: config.delivery.digestAfter,
    key(message: OutboxMessage): string | null {
      if (message.kind !== "build_finished" || message.buildId === null) return null;
      const channel = (message.payload as { channel?: unknown } | null)?.channel;
      return typeof channel === "string" ? channel : "";
    },
    compose(messages: readonly OutboxMessage[], _now: number, context?: DigestContext): DigestPart[] {
      const input = digestInput(config, findBuild, messages, context);
      if (input.builds.length === 0) return [];
      const channel = ((messages[0] as OutboxMessage).payload as { channel?: string }).channel;
      return formatDigest(input.builds, {
        ...input.text,
        ...(channel ? { channel } : {}),
        username: config.mattermost.username,
        ...(config.mattermost.iconUrl ? { iconUrl: config.mattermost.iconUrl } : {}),
      }).map((post) => ({ payload: post.payload, covers: input.covers(post.buildIds) }));
    },
  };
}
