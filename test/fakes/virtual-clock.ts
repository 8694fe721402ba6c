/**
 * Virtual time for delivery tests: sleeping jumps the clock forward instead of waiting, so a
 * 30-second Retry-After costs nothing and assertions compare recorded virtual times, never the
 * wall clock. Each sleep still yields to the event loop so real sockets make progress.
 */
export class VirtualClock {
  #now: number;
  /** Every sleep requested, in order (ms). */
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  advance(ms: number): void {
    this.#now += ms;
  }

  readonly sleep = async (ms: number, signal: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!signal.aborted) this.#now += ms;
  };
}
