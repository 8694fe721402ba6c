import { setTimeout as delay } from "node:timers/promises";

/** How the deliverer waits between tries (outbox-deliverer.ts); the scheduler waits the same way. */

/** Resolves after `ms`, or early (without throwing) once `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  delay(ms, undefined, { signal }).catch((error: unknown) => {
    if (!(error instanceof Error && error.name === "AbortError")) throw error;
  });

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
