import { vi } from "vitest";

/**
 * Virtual time for the scheduler (alone or inside a whole app): every sleep it asks for is held
 * until the test lets it pass, which moves the clock by exactly that much. No real time passes and
 * nothing is timed; an aborted sleep (the app stopping) leaves the list.
 */
export class SteppedClock {
  now: number;
  readonly waits: { ms: number; resolve: () => void }[] = [];
  constructor(start: number) {
    this.now = start;
  }
  readonly clock = () => this.now;
  readonly sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const wait = { ms, resolve };
      this.waits.push(wait);
      signal.addEventListener(
        "abort",
        () => {
          this.waits.splice(this.waits.indexOf(wait), 1);
          resolve();
        },
        { once: true },
      );
    });
  /** The scheduler is asleep (it did everything that was due), waiting this long. */
  async asleep(): Promise<number> {
    return vi.waitFor(
      () => {
        const wait = this.waits[0];
        if (this.waits.length !== 1 || !wait) throw new Error("scheduler not asleep yet");
        return wait.ms;
      },
      { timeout: 30_000, interval: 50 },
    );
  }
  /** Lets the pending sleep pass; returns how long it was. */
  async pass(): Promise<number> {
    await this.asleep();
    const wait = this.waits.shift() as { ms: number; resolve: () => void };
    this.now += wait.ms;
    wait.resolve();
    return wait.ms;
  }
  /** Lets sleeps pass until `done` holds (at most `steps` sleeps, a guard against a loop gone wrong). */
  async passUntil(done: () => boolean, steps = 200): Promise<void> {
    for (let i = 0; i < steps && !done(); i++) await this.pass();
    await vi.waitFor(() => {
      if (!done()) throw new Error("not done after the sleeps passed");
    });
  }
}
