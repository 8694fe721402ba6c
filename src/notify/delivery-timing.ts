/** How the deliverer waits between tries (outbox-deliverer.ts); the scheduler waits the same way. */

/** Resolves after `ms`, or early (without throwing) once `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  // A timer and a listener rather than timers/promises: an abort would reject that with an
  // AbortError built for nothing, and the deliverer is woken this way at every enqueue.
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });

/** The reason a deliverer is woken with: given, so that no DOMException is built at each wake. */
export const WOKEN = Symbol("woken");

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so retries of
 * many messages after an outage spread out instead of arriving together.
 * `attempt` counts failures so far, from 1.
 */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const step = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
  const jittered = step / 2 + random() * (step / 2);
  return Math.round(Math.min(maxMs, Math.max(initialMs, jittered)));
}
