import type { Config } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import type { DigestContext, DigestPart, DigestPolicy, OutboxMessage } from "../../notify/ports.js";
import { formatDigest } from "./format-digest.js";
import { peopleOf } from "./status-formatters.js";

/**
 * Webhook mode's digest rule: finish posts are grouped by the channel they go to; when more than
 * `delivery.digest_after` of one channel are pending (an outage backlog, or a burst), they go out
 * as digest posts (format-digest.ts) built from the builds as stored now.
 */
export function webhookDigest(config: Config, findBuild: (id: number) => Build | undefined): DigestPolicy {
  const secrets = (build: Build) => {
    const repo = Object.hasOwn(config.repos, build.repo) ? config.repos[build.repo] : undefined;
    return repo ? Object.values(repo.secrets) : [];
  };
  return {
    after: config.delivery.digestAfter,
    key(message: OutboxMessage): string | null {
      if (message.kind !== "build_finished" || message.buildId === null) return null;
      const channel = (message.payload as { channel?: unknown } | null)?.channel;
      return typeof channel === "string" ? channel : "";
    },
    compose(messages: readonly OutboxMessage[], _now: number, context?: DigestContext): DigestPart[] {
      const byBuild = new Map<number, OutboxMessage>();
      const builds: Build[] = [];
      for (const message of messages) {
        // A build no longer stored (pruned) keeps its own post: the digest is made from the store.
        const build = message.buildId === null ? undefined : findBuild(message.buildId);
        if (!build) continue;
        byBuild.set(build.id, message);
        builds.push(build);
      }
      if (builds.length === 0) return [];
      const first = messages[0] as OutboxMessage;
      const channel = (first.payload as { channel?: string }).channel;
      const times = messages.map((m) => m.createdAt);
      return formatDigest(builds, {
        publicUrl: config.publicUrl,
        secrets,
        people: (build) => peopleOf(config, build),
        window: {
          from: Math.min(...times),
          to: Math.max(...times),
          outage: context?.failing === true || messages.some((m) => m.attempts > 0),
        },
        ...(channel ? { channel } : {}),
        username: config.mattermost.username,
        ...(config.mattermost.iconUrl ? { iconUrl: config.mattermost.iconUrl } : {}),
      }).map((post) => ({
        payload: post.payload,
        covers: post.buildIds.map((id) => (byBuild.get(id) as OutboxMessage).id),
      }));
    },
  };
}
