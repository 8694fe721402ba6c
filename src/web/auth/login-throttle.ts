import { isIPv6 } from "node:net";
import type { Clock } from "../../core/ports.js";

/**
 * Sign-in throttling. Failures are counted per key; after a key's free failures, each further
 * failure locks it for twice as long as the last (capped), and an attempt whose key is locked is
 * refused before any password is checked.
 *
 * Which keys an attempt is counted under decides who an attacker can lock out (issue 18). Counting
 * per user name let anyone lock any user out, from anywhere. So, as OWASP's authentication and
 * device-cookie guidance describe:
 * - per address and user name pair: brute force against one user from one address is stopped, and
 *   that user, from any other address, is not affected;
 * - per address: one address trying many user names (password spraying) is stopped;
 * - per user name, but only for browsers without that user's device cookie: an attack from many
 *   addresses against one user is stopped, while the user, in a browser they signed in from before
 *   (device-cookie.ts), is counted under that cookie alone and still gets in.
 * A success clears the pair, the user name's count and the device's, never the address's: an
 * attacker with an account of their own must not reset their address by signing in between guesses.
 * Kept in memory and bounded: a restart forgets it, which costs an attacker a restart they cannot cause.
 */

/** One sign-in attempt as the throttle sees it. */
export interface SignInAttempt {
  readonly address: string;
  readonly user: string;
  /** This browser's device cookie id for `user` (device-cookie.ts), or null. */
  readonly device: string | null;
}

/** A count an attempt is charged to: how many failures it allows before backing off, and whether a success clears it. */
export interface ThrottleKey {
  readonly key: string;
  readonly free: number;
  readonly clearedBySuccess: boolean;
}

export type ThrottleKeying = (attempt: SignInAttempt) => readonly ThrottleKey[];

/** The keys described above. */
const keyByPairAddressAndDevice: ThrottleKeying = ({ address, user, device }) => {
  const name = user.toLowerCase();
  if (device !== null) return [{ key: `d:${device}`, free: 5, clearedBySuccess: true }];
  const from = addressKey(address);
  return [
    { key: `p:${from}\n${name}`, free: 5, clearedBySuccess: true },
    { key: `a:${from}`, free: 20, clearedBySuccess: false },
    { key: `u:${name}`, free: 10, clearedBySuccess: true },
  ];
};

/**
 * An address as one attacker holds it: an IPv6 host usually has a whole /64 to pick from, so its
 * addresses count as their /64; an IPv4-mapped IPv6 address counts as the IPv4 address.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = "", tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = address.includes("::")
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(":")}::/64`;
}

export interface LoginThrottleOptions {
  readonly clock?: Clock;
  readonly keying?: ThrottleKeying;
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
  readonly #keying: ThrottleKeying;
  readonly #base: number;
  readonly #max: number;
  readonly #maxKeys: number;

  constructor(options: LoginThrottleOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#keying = options.keying ?? keyByPairAddressAndDevice;
    this.#base = options.baseDelayMs ?? 1000;
    this.#max = options.maxDelayMs ?? 15 * 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** Milliseconds until this attempt may be made; 0 = now. */
  retryAfterMs(attempt: SignInAttempt): number {
    const until = Math.max(
      0,
      ...this.#keying(attempt).map((k) => this.#entries.get(k.key)?.lockedUntil ?? 0),
    );
    return Math.max(0, until - this.#clock());
  }

  failed(attempt: SignInAttempt): void {
    for (const { key, free } of this.#keying(attempt)) {
      const entry = this.#entries.get(key) ?? { failures: 0, lockedUntil: 0 };
      entry.failures += 1;
      const over = entry.failures - free;
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

  succeeded(attempt: SignInAttempt): void {
    for (const { key, clearedBySuccess } of this.#keying(attempt)) {
      if (clearedBySuccess) this.#entries.delete(key);
    }
  }
}
