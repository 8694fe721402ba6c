import { describe, expect, it } from "vitest";
import {
  addressKey,
  LoginThrottle,
  type SignInAttempt,
  type ThrottleKeying,
} from "../../../../src/web/auth/login-throttle.js";

/** The keying before issue 18: per address and per user name, both cleared by a success. */
const perAddressAndUserName: ThrottleKeying = ({ address, user }) => [
  { key: `a:${address}`, free: 5, clearedBySuccess: true },
  { key: `u:${user.toLowerCase()}`, free: 5, clearedBySuccess: true },
];

const from = (address: string, user = "bob", device: string | null = null): SignInAttempt => ({
  address,
  user,
  device,
});

function throttle(keying?: ThrottleKeying) {
  const clock = { now: 0 };
  const t = new LoginThrottle({
    clock: () => clock.now,
    baseDelayMs: 1000,
    maxDelayMs: 8000,
    ...(keying ? { keying } : {}),
  });
  const fail = (attempt: SignInAttempt, times: number) => {
    for (let k = 0; k < times; k++) t.failed(attempt);
  };
  return { t, clock, fail };
}

describe("LoginThrottle", () => {
  it("lets 5 failures of a user from an address through, then doubles the wait per failure, capped", () => {
    const { t, clock, fail } = throttle();
    fail(from("10.0.0.1"), 5);
    expect(t.retryAfterMs(from("10.0.0.1"))).toBe(0);
    const waits: number[] = [];
    for (let k = 0; k < 5; k++) {
      t.failed(from("10.0.0.1"));
      waits.push(t.retryAfterMs(from("10.0.0.1")));
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 8000]);
    clock.now += 8000;
    expect(t.retryAfterMs(from("10.0.0.1"))).toBe(0);
    t.succeeded(from("10.0.0.1"));
    t.failed(from("10.0.0.1"));
    expect(t.retryAfterMs(from("10.0.0.1"))).toBe(0);
  });

  // The attack: an anonymous attacker fails six times as bob; bob, from his own address, is locked out.
  it.each([
    { keying: "per address and per user name (before)", with: perAddressAndUserName, lockedOut: true },
    { keying: "per pair, per address, per user without a device (now)", with: undefined, lockedOut: false },
  ])("six wrong passwords for bob from elsewhere: bob locked out = $lockedOut, keyed $keying", (c) => {
    const { t, fail } = throttle(c.with);
    fail(from("203.0.113.66"), 6);
    expect(t.retryAfterMs(from("203.0.113.66"))).toBeGreaterThan(0);
    expect(t.retryAfterMs(from("10.0.0.1")) > 0).toBe(c.lockedOut);
  });

  it("one address trying many user names is stopped after 20 failures, and its own sign-in does not reset it", () => {
    const { t, fail } = throttle();
    for (let k = 0; k < 20; k++) fail(from("203.0.113.66", `user${k}`), 1);
    expect(t.retryAfterMs(from("203.0.113.66", "user20"))).toBe(0);
    t.failed(from("203.0.113.66", "user20"));
    expect(t.retryAfterMs(from("203.0.113.66", "anyone"))).toBe(1000);
    // An attacker with an account of their own signs in between guesses: the address stays counted.
    t.succeeded(from("203.0.113.66", "mallory"));
    expect(t.retryAfterMs(from("203.0.113.66", "anyone"))).toBe(1000);
    // Other addresses are not affected.
    expect(t.retryAfterMs(from("10.0.0.1", "anyone"))).toBe(0);
  });

  it("many addresses against one user: stopped after 10 for browsers without bob's device cookie, not for bob's", () => {
    const { t, fail } = throttle();
    for (let k = 1; k <= 10; k++) fail(from(`198.51.100.${k}`), 1);
    expect(t.retryAfterMs(from("198.51.100.11"))).toBe(0);
    t.failed(from("198.51.100.11"));
    expect(t.retryAfterMs(from("198.51.100.99"))).toBe(1000);
    expect(t.retryAfterMs(from("10.0.0.1"))).toBe(1000);
    // Bob's browser, which signed in before: counted under its device cookie alone.
    expect(t.retryAfterMs(from("10.0.0.1", "bob", "dev-1"))).toBe(0);
    // A stolen device cookie is no master key: five failures, then it backs off too.
    fail(from("198.51.100.12", "bob", "dev-1"), 6);
    expect(t.retryAfterMs(from("10.0.0.1", "bob", "dev-1"))).toBe(1000);
  });

  it("counts an IPv6 host's /64 as one address, and an IPv4-mapped address as the IPv4 one", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:2::ffff")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8:0001:0002:1:2:3:4")).toBe("2001:db8:1:2::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(addressKey("192.0.2.7")).toBe("192.0.2.7");
    const { t, fail } = throttle();
    for (let k = 1; k <= 6; k++) fail(from(`2001:db8:1:2::${k}`), 1);
    expect(t.retryAfterMs(from("2001:db8:1:2:ffff::7"))).toBe(1000);
    expect(t.retryAfterMs(from("2001:db8:1:3::1"))).toBe(0);
  });
});
