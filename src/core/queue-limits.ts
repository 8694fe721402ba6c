import { SlashbuildError } from "./errors.js";

/** `queue:` in the config: how many builds may wait to start (issue 8: 1000 `--again` queued 1000). */
export interface QueueLimits {
  /** Queued (not yet started) builds one person may have. */
  readonly maxPerUser: number;
  /** Queued builds in all, whoever asked. */
  readonly maxTotal: number;
}

/**
 * Refuses a new build when the queue is full, for this person or for everyone; the refusal says
 * which limit it hit and how to see the queue. Only builds still waiting count: a running build
 * holds a runner slot, which runner.concurrency already bounds. A duplicate answer (the build
 * already queued) is not a new build, so admission checks this after deduplication. The messages
 * are plain sentences: chat words them as an apology (chat/apologize.ts), the web shows them as is.
 */
export function checkQueueLimits(
  limits: QueueLimits,
  queued: { readonly total: number; readonly mine: number },
): void {
  const { mine } = queued;
  if (mine >= limits.maxPerUser) {
    throw new SlashbuildError(
      "QUEUE_FULL",
      `You already have ${mine} builds waiting to start (queue.max_per_user is ${limits.maxPerUser}). Wait for one to start, or stop one with \`/build stop N\`; \`/build status\` shows the queue.`,
    );
  }
  if (queued.total >= limits.maxTotal) {
    throw new SlashbuildError(
      "QUEUE_FULL",
      `The build queue is full: ${queued.total} builds are waiting to start (queue.max_total is ${limits.maxTotal}). Try again when some have started; \`/build status\` shows the queue.`,
    );
  }
}
