import type { Clock } from "../../core/ports.js";

/**
 * Sign-in throttling (issue 8, item 2: 200 wrong passwords in a row were all answered). Failures
 * are counted per address and per user name; after a few free ones, each further failure locks
 * that key for twice as long as the last (capped), and a locked key is refused before any password
 * is checked. A success clears the user name and the address. Kept in memory and bounded: a
 * restart forgets it, which costs an attacker a restart they cannot cause.
 */
export interface LoginThrottleOptions {
  readonly clock?: Clock;
  /** Failures allowed before backoff starts. */
  readonly free?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Keys remembered at most; the oldest are forgotten first. */
  readonly maxKeys?: number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
}

export class LoginThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #free: number;
  readonly #base: number;
  readonly #max: number;
  readonly #maxKeys: number;

  constructor(options: LoginThrottleOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#free = options.free ?? 5;
    this.#base = options.baseDelayMs ?? 1000;
    this.#max = options.maxDelayMs ?? 15 * 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** Milliseconds until this address may try this user name again; 0 = now. */
  retryAfterMs(address: string, user: string): number {
    const now = this.#clock();
    const until = Math.max(
      this.#entries.get(`a:${address}`)?.lockedUntil ?? 0,
      this.#entries.get(`u:${user.toLowerCase()}`)?.lockedUntil ?? 0,
    );
    return Math.max(0, until - now);
  }

  failed(address: string, user: string): void {
    for (const key of [`a:${address}`, `u:${user.toLowerCase()}`]) {
      const entry = this.#entries.get(key) ?? { failures: 0, lockedUntil: 0 };
      entry.failures += 1;
      const over = entry.failures - this.#free;
      if (over > 0)
        entry.lockedUntil = this.#clock() + Math.min(this.#max, this.#base * 2 ** Math.min(over - 1, 30));
      // Re-inserted so the map's order is least recently failed first.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    while (this.#entries.size > this.#maxKeys) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  succeeded(address: string, user: string): void {
    this.#entries.delete(`a:${address}`);
    this.#entries.delete(`u:${user.toLowerCase()}`);
  }
}
