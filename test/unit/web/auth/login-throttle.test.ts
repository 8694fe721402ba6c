import { describe, expect, it } from "vitest";
import { LoginThrottle } from "../../../../src/web/auth/login-throttle.js";

describe("LoginThrottle", () => {
  it("lets a few failures through, then doubles the wait per failure, per address and per user", () => {
    let now = 0;
    const throttle = new LoginThrottle({ clock: () => now, free: 2, baseDelayMs: 1000, maxDelayMs: 8000 });
    throttle.failed("10.0.0.1", "bob");
    throttle.failed("10.0.0.1", "bob");
    expect(throttle.retryAfterMs("10.0.0.1", "bob")).toBe(0);
    const waits: number[] = [];
    for (let k = 0; k < 5; k++) {
      throttle.failed("10.0.0.1", "bob");
      waits.push(throttle.retryAfterMs("10.0.0.1", "bob"));
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 8000]);
    // The user name is locked from another address too, and the address for another name.
    expect(throttle.retryAfterMs("10.0.0.2", "BOB")).toBe(8000);
    expect(throttle.retryAfterMs("10.0.0.1", "carol")).toBe(8000);
    now += 8000;
    expect(throttle.retryAfterMs("10.0.0.1", "bob")).toBe(0);
    throttle.succeeded("10.0.0.1", "bob");
    throttle.failed("10.0.0.1", "bob");
    expect(throttle.retryAfterMs("10.0.0.1", "bob")).toBe(0);
  });
});
