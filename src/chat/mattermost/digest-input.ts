import type { Config } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import type { DigestContext, OutboxMessage } from "../../notify/ports.js";
import type { DigestTextOptions } from "./format-digest.js";
import { peopleOf } from "./status-formatters.js";

/**
 * What both chat modes' digest policies (webhook-digest.ts, bot-digest.ts) read from a backlog:
 * the builds as stored now, which outbox message each replaces, and the text options (when the
 * posts waited, whether sends were failing, whose secrets to mask, who to mention).
 */
export interface DigestInput {
  /** The backlog's builds, in order; a build no longer stored (pruned) keeps its own post. */
  readonly builds: readonly Build[];
  /** The outbox ids a digest part covering these builds replaces. */
  readonly covers: (buildIds: readonly number[]) => number[];
  readonly text: DigestTextOptions;
}

export function digestInput(
  config: Config,
  findBuild: (id: number) => Build | undefined,
  messages: readonly OutboxMessage[],
  context: DigestContext | undefined,
): DigestInput {
  const byBuild = new Map<number, OutboxMessage>();
  const builds: Build[] = [];
  for (const message of messages) {
    const build = message.buildId === null ? undefined : findBuild(message.buildId);
    if (!build || byBuild.has(build.id)) continue;
    byBuild.set(build.id, message);
    builds.push(build);
  }
  const times = messages.map((m) => m.createdAt);
  return {
    builds,
    covers: (ids) => ids.map((id) => (byBuild.get(id) as OutboxMessage).id),
    text: {
      publicUrl: config.publicUrl,
      secrets: (build) => {
        const repo = Object.hasOwn(config.repos, build.repo) ? config.repos[build.repo] : undefined;
        return repo ? Object.values(repo.secrets) : [];
      },
      people: (build) => peopleOf(config, build),
      window: {
        from: Math.min(...times),
        to: Math.max(...times),
        outage: context?.failing === true || messages.some((m) => m.attempts > 0),
      },
    },
  };
}
