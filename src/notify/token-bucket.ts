import type { Clock } from "../core/ports.js";

/**
 * Client-side rate limit for status posts: a token bucket holding `burst` tokens, refilled at
 * `ratePerSecond`. Mattermost's own limiter (CONTRACT §4: 10/s, burst 100, per client address)
 * answers 429 and makes everyone wait; staying below it means a burst of 500 finishing builds is
 * paced smoothly instead of bouncing off the server. Time comes from the injected clock, so tests
 * run it on virtual time.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #at: number;

  constructor(options: { readonly ratePerSecond: number; readonly burst: number; readonly clock: Clock }) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
      throw new RangeError("a token bucket needs a positive rate and a burst of at least 1");
    }
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#clock = options.clock;
    this.#tokens = options.burst;
    this.#at = options.clock();
  }

  /** Milliseconds until a token is available (0 = one is available now). Takes nothing. */
  waitMs(): number {
    this.#refill();
    if (this.#tokens >= 1) return 0;
    return Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
  }

  /** Takes a token if one is available; returns whether it did. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #refill(): void {
    const now = this.#clock();
    // A clock that steps back (NTP) must not mint tokens or drain them.
    const elapsed = Math.max(0, now - this.#at);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed / 1000) * this.#rate);
    this.#at = Math.max(this.#at, now);
  }
}
