import { afterEach, describe, expect, it, vi } from "vitest";
import { OutboxDeliverer } from "../../../src/notify/outbox-deliverer.js";
import { TokenBucket } from "../../../src/notify/token-bucket.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteOutbox } from "../../../src/store/sqlite-outbox.js";
import { FakeChatTransport } from "../../fakes/fake-chat-transport.js";
import { VirtualClock } from "../../fakes/virtual-clock.js";

describe("TokenBucket", () => {
  it("allows a burst, then one token per 1/rate seconds", () => {
    let now = 0;
    const bucket = new TokenBucket({ ratePerSecond: 4, burst: 3, clock: () => now });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.waitMs()).toBe(250);
    now += 249;
    expect(bucket.tryTake()).toBe(false);
    now += 1;
    expect(bucket.tryTake()).toBe(true);
    now += 60_000;
    // Refills up to the burst, never beyond.
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it("mints nothing when the clock steps back", () => {
    let now = 10_000;
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock: () => now });
    expect(bucket.tryTake()).toBe(true);
    now = 0;
    expect(bucket.tryTake()).toBe(false);
    now = 10_999;
    expect(bucket.tryTake()).toBe(false);
    now = 11_000;
    expect(bucket.tryTake()).toBe(true);
  });

  it("refuses a rate or burst that could never send", () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1, clock: () => 0 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0, clock: () => 0 })).toThrow(RangeError);
  });
});

describe("OutboxDeliverer with a rate limit", () => {
  let deliverer: OutboxDeliverer | undefined;
  afterEach(async () => {
    await deliverer?.stop();
  });

  it("sends the burst back to back, then paces at the rate, in order", async () => {
    const clock = new VirtualClock();
    const outbox = new SqliteOutbox(openDatabase(":memory:"), clock.now);
    const transport = new FakeChatTransport(clock.now);
    for (let i = 0; i < 10; i++) outbox.enqueue({ buildId: i % 3, kind: "k", payload: i });
    deliverer = new OutboxDeliverer({
      outbox,
      peer: "the peer",
      transport,
      initialBackoffMs: 1000,
      maxBackoffMs: 60_000,
      clock: clock.now,
      sleep: clock.sleep,
      rateLimit: new TokenBucket({ ratePerSecond: 2, burst: 4, clock: clock.now }),
    });
    const start = clock.now();
    deliverer.start();
    await vi.waitFor(() => expect(outbox.pendingCount()).toBe(0));
    expect(transport.delivered).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const offsets = transport.sends.map((send) => send.at - start);
    expect(offsets.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(offsets.slice(4)).toEqual([500, 1000, 1500, 2000, 2500, 3000]);
  });
});
