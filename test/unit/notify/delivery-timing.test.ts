import { describe, expect, it } from "vitest";
import { backoffMs, realSleep, WOKEN } from "../../../src/notify/delivery-timing.js";

describe("backoffMs", () => {
  it("grows exponentially with jitter and stays within [initial, max]", () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(1000);
    expect(backoffMs(3, 1000, 60_000, () => 0)).toBe(2000);
    expect(backoffMs(3, 1000, 60_000, () => 0.999)).toBeGreaterThan(3990);
    expect(backoffMs(50, 1000, 60_000, () => 0.999)).toBeLessThanOrEqual(60_000);
    expect(backoffMs(50, 1000, 60_000, () => 0)).toBe(30_000);
  });
});

describe("realSleep", () => {
  it("ends early, without throwing, once its signal aborts", async () => {
    const controller = new AbortController();
    const sleeping = realSleep(3_600_000, controller.signal);
    controller.abort();
    await expect(sleeping).resolves.toBeUndefined();
  });

  it("leaves no timer behind once woken, and returns at once for a signal already aborted", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    const before = timers();
    const controller = new AbortController();
    const sleeping = realSleep(3_600_000, controller.signal);
    expect(timers()).toBe(before + 1);
    controller.abort(WOKEN);
    await sleeping;
    expect(timers()).toBe(before);
    await expect(realSleep(3_600_000, controller.signal)).resolves.toBeUndefined();
    expect(timers()).toBe(before);
  });

  it("resolves after its time when nothing wakes it", async () => {
    await expect(realSleep(5, new AbortController().signal)).resolves.toBeUndefined();
  });
});
