import { SlashbuildError } from "./errors.js";
import type { BuildEvent } from "./events.js";

/**
 * Build events the store could not take because its disk was full (STORAGE_FULL), kept and stored
 * again, with backoff, until it can: so a build whose end came while data_dir was full is stored
 * and posted once space comes back, without a restart (issue 22).
 *
 * Order: a build's events are applied in the order they came. Once one of them waits, every later
 * event of that build waits behind it (a `finished` must never land before the `step_finished`
 * the state machine expects first); other builds' events go on as usual.
 * Crash safety: the backlog lives in memory only (the disk is full: there is nowhere else). A
 * crash or a stop while events wait leaves those builds unfinished in the store, and the next
 * start reports them interrupted, as for any build a stop or crash interrupted: never a result
 * that did not happen.
 */

export interface EventBacklogOptions {
  /** Stores one event (state change and its posts, together); throws when it cannot. */
  readonly apply: (event: BuildEvent) => void;
  /** A build's first event held back (its build's later ones wait behind it, unreported). */
  readonly onHeld?: (event: BuildEvent) => void;
  /** An event that failed for another reason than a full disk while retried: it is dropped. */
  readonly onDropped?: (event: BuildEvent, error: unknown) => void;
  /** Runs `work` after `delayMs`; returns a cancel function. Default: an unreferenced timer. */
  readonly schedule?: (work: () => void, delayMs: number) => () => void;
}

/** The first retry comes soon (space is often freed at once); then the wait doubles up to the cap. */
export const FIRST_RETRY_MS = 250;
export const MAX_RETRY_MS = 10_000;

export class EventBacklog {
  readonly #apply: (event: BuildEvent) => void;
  readonly #onHeld: (event: BuildEvent) => void;
  readonly #onDropped: (event: BuildEvent, error: unknown) => void;
  readonly #schedule: (work: () => void, delayMs: number) => () => void;
  /** Per build, its waiting events, oldest first. */
  readonly #waiting = new Map<number, BuildEvent[]>();
  #delayMs = FIRST_RETRY_MS;
  #cancel: (() => void) | null = null;
  #closed = false;

  constructor(options: EventBacklogOptions) {
    this.#apply = options.apply;
    this.#onHeld = options.onHeld ?? (() => {});
    this.#onDropped = options.onDropped ?? (() => {});
    this.#schedule = options.schedule ?? unreferencedTimer;
  }

  /** Events waiting to be stored. */
  get size(): number {
    let count = 0;
    for (const events of this.#waiting.values()) count += events.length;
    return count;
  }

  /** Applies `event` now, or keeps it: when the disk is full, or behind its build's waiting events. */
  submit(event: BuildEvent): void {
    const waiting = this.#waiting.get(event.buildId);
    if (waiting) {
      waiting.push(event);
      return;
    }
    try {
      this.#apply(event);
    } catch (error) {
      if (!isStorageFull(error)) throw error;
      this.#waiting.set(event.buildId, [event]);
      this.#onHeld(event);
      this.#arm();
    }
  }

  /** Tries every waiting event again now, each build's in order; returns how many still wait. */
  retry(): number {
    this.#cancel?.();
    this.#cancel = null;
    for (const [buildId, events] of this.#waiting) {
      for (let event = events[0]; event !== undefined; event = events[0]) {
        try {
          this.#apply(event);
        } catch (error) {
          if (isStorageFull(error)) {
            // Still full: nothing else will fit either. Wait longer before the next try.
            this.#delayMs = Math.min(this.#delayMs * 2, MAX_RETRY_MS);
            this.#arm();
            return this.size;
          }
          this.#onDropped(event, error);
        }
        events.shift();
      }
      this.#waiting.delete(buildId);
    }
    this.#delayMs = FIRST_RETRY_MS;
    return 0;
  }

  /** Stops retrying (the service is closing); what still waits is left to the next start's recovery. */
  close(): void {
    this.#closed = true;
    this.#cancel?.();
    this.#cancel = null;
  }

  #arm(): void {
    if (this.#cancel || this.#closed) return;
    this.#cancel = this.#schedule(() => {
      this.#cancel = null;
      this.retry();
    }, this.#delayMs);
  }
}

function isStorageFull(error: unknown): boolean {
  return error instanceof SlashbuildError && error.code === "STORAGE_FULL";
}

function unreferencedTimer(work: () => void, delayMs: number): () => void {
  const timer = setTimeout(work, delayMs);
  // Waiting events must not keep a process alive that is otherwise done.
  timer.unref();
  return () => clearTimeout(timer);
}
