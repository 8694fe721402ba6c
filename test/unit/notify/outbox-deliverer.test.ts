import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OutboxDeliverer } from "../../../src/notify/outbox-deliverer.js";
import type { DeliverableOutbox, DeliveryLogger, DigestPolicy } from "../../../src/notify/ports.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { SqliteOutbox } from "../../../src/store/sqlite-outbox.js";
import { FakeChatTransport } from "../../fakes/fake-chat-transport.js";
import { VirtualClock } from "../../fakes/virtual-clock.js";

const INITIAL = 1000;
const MAX = 60_000;

let db: Db;
let clock: VirtualClock;
let outbox: SqliteOutbox;
let transport: FakeChatTransport;
let deliverer: OutboxDeliverer;
let logged: { level: string; obj: object; msg: string }[];

const logger: DeliveryLogger = {
  info: (obj, msg) => logged.push({ level: "info", obj, msg }),
  warn: (obj, msg) => logged.push({ level: "warn", obj, msg }),
  error: (obj, msg) => logged.push({ level: "error", obj, msg }),
};

function newDeliverer(random = () => 0.5, peer = "the peer"): OutboxDeliverer {
  return new OutboxDeliverer({
    outbox,
    peer,
    transport,
    initialBackoffMs: INITIAL,
    maxBackoffMs: MAX,
    clock: clock.now,
    sleep: clock.sleep,
    random,
    logger,
  });
}

const drained = () => vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 10_000 });
const payloads = () => transport.delivered;

beforeEach(() => {
  db = openDatabase(":memory:");
  clock = new VirtualClock();
  outbox = new SqliteOutbox(db, clock.now);
  transport = new FakeChatTransport(clock.now);
  logged = [];
});

afterEach(async () => {
  await deliverer?.stop();
  db.close();
});

describe("OutboxDeliverer", () => {
  it("delivers what was pending at start, in order, once each", async () => {
    outbox.enqueue({ buildId: 1, kind: "build_started", payload: "1-start" });
    outbox.enqueue({ buildId: 2, kind: "build_started", payload: "2-start" });
    outbox.enqueue({ buildId: 1, kind: "build_finished", payload: "1-finish" });
    deliverer = newDeliverer();
    deliverer.start();
    await drained();
    expect(payloads()).toEqual(["1-start", "2-start", "1-finish"]);
    expect(transport.sends).toHaveLength(3);
  });

  it("sleeps until woken when idle, and wakes up on enqueue", async () => {
    deliverer = newDeliverer();
    deliverer.start();
    await new Promise((resolve) => setImmediate(resolve));
    outbox.enqueue({ buildId: 1, kind: "build_started", payload: "late" });
    await drained();
    expect(payloads()).toEqual(["late"]);
    // It never polled: it waited for the enqueue.
    expect(clock.sleeps).toEqual([]);
  });

  it("retries 5xx/connection errors with growing backoff, never before it is due", async () => {
    transport.answer(
      { kind: "retryable", error: "HTTP 503" },
      { kind: "retryable", error: "connection failed (ECONNREFUSED)" },
      { kind: "retryable", error: "no answer within 10000 ms" },
    );
    outbox.enqueue({ buildId: 1, kind: "build_started", payload: "p" });
    deliverer = newDeliverer(() => 0.999);
    deliverer.start();
    await drained();
    const times = transport.sends.map((send) => send.at);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((at, index) => at - (times[index] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(INITIAL);
    expect(gaps[1]).toBeGreaterThanOrEqual(2 * INITIAL - 2);
    expect(gaps[2]).toBeGreaterThanOrEqual(4 * INITIAL - 4);
    expect(payloads()).toEqual(["p"]);
    expect(logged.filter((entry) => entry.level === "warn")).toHaveLength(3);
  });

  it("treats a transport that throws as a retryable failure", async () => {
    let calls = 0;
    deliverer = new OutboxDeliverer({
      outbox,
      peer: "the peer",
      transport: {
        async send() {
          calls += 1;
          if (calls === 1) throw new Error("socket hang up");
          return { kind: "delivered" };
        },
      },
      initialBackoffMs: INITIAL,
      maxBackoffMs: MAX,
      clock: clock.now,
      sleep: clock.sleep,
    });
    outbox.enqueue({ buildId: 1, kind: "k", payload: 0 });
    deliverer.start();
    await drained();
    expect(calls).toBe(2);
  });

  it("pauses ALL sending for Retry-After on a 429, then retries", async () => {
    transport.answer({ kind: "rate_limited", retryAfterMs: 10_000, error: "HTTP 429" });
    outbox.enqueue({ buildId: 1, kind: "build_started", payload: "a" });
    outbox.enqueue({ buildId: 2, kind: "build_started", payload: "b" });
    deliverer = newDeliverer();
    deliverer.start();
    await drained();
    const [limited, ...rest] = transport.sends;
    expect(limited?.outcome.kind).toBe("rate_limited");
    // Build 2's message was free to go, but the limit is global: nothing went out before it lapsed.
    for (const send of rest) expect(send.at).toBeGreaterThanOrEqual((limited?.at ?? 0) + 10_000);
    expect(payloads()).toEqual(["a", "b"]);
  });

  it("backs off on a 429 without Retry-After", async () => {
    transport.answer({ kind: "rate_limited", retryAfterMs: null, error: "HTTP 429" });
    outbox.enqueue({ buildId: 1, kind: "k", payload: "a" });
    deliverer = newDeliverer();
    deliverer.start();
    await drained();
    const [first, second] = transport.sends;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(INITIAL);
  });

  it("fails a 4xx for good, logs it, and moves on to the build's next message", async () => {
    transport.answer({ kind: "permanent", error: "HTTP 400: Invalid webhook." });
    outbox.enqueue({ buildId: 1, kind: "build_started", payload: "bad" });
    outbox.enqueue({ buildId: 1, kind: "build_finished", payload: "good" });
    deliverer = newDeliverer();
    deliverer.start();
    await drained();
    expect(transport.sends.map((send) => send.payload)).toEqual(["bad", "good"]);
    expect(db.prepare("SELECT state FROM outbox ORDER BY id").pluck().all()).toEqual(["failed", "delivered"]);
    expect(logged.find((entry) => entry.level === "error")?.obj).toMatchObject({
      error: "HTTP 400: Invalid webhook.",
    });
  });

  it("names its peer in every log line about an outcome: a Git host's 422 is not a refusal by chat", async () => {
    transport.answer({ kind: "rate_limited", retryAfterMs: 1000, error: "HTTP 429" });
    transport.answer({ kind: "retryable", error: "HTTP 503" });
    transport.answer({ kind: "retryable", error: "HTTP 503" });
    transport.answer({ kind: "permanent", error: "HTTP 422: Validation Failed" });
    outbox.enqueue({ buildId: 1, kind: "commit_status", payload: "refused" });
    outbox.enqueue({ buildId: 2, kind: "commit_status", payload: "accepted" });
    deliverer = newDeliverer(() => 0.5, "the Git host");
    deliverer.start();
    await drained();
    expect(logged.map((entry) => [entry.level, entry.msg])).toEqual([
      ["warn", "rate limit of the Git host hit: pausing all status posts to it"],
      ["warn", "status post not delivered to the Git host: will retry"],
      ["warn", "status post not delivered to the Git host: will retry"],
      ["error", "status post refused by the Git host: dropped"],
      ["info", "the Git host is reachable again: resuming delivery"],
    ]);
    for (const entry of logged) expect(entry.obj).toMatchObject({ peer: "the Git host" });
  });

  it("stop() lets the send in flight finish and records it", async () => {
    const release = transport.hold();
    outbox.enqueue({ buildId: 1, kind: "k", payload: "in-flight" });
    deliverer = newDeliverer();
    deliverer.start();
    await vi.waitFor(() => expect(transport.started).toBe(1));
    let stopped = false;
    const stopping = deliverer.stop().then(() => {
      stopped = true;
    });
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(outbox.pendingCount()).toBe(0);
    expect(payloads()).toEqual(["in-flight"]);
  });

  it("stop() returns when idle, and sends nothing afterwards", async () => {
    deliverer = newDeliverer();
    deliverer.start();
    await deliverer.stop();
    outbox.enqueue({ buildId: 1, kind: "k", payload: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.started).toBe(0);
    expect(outbox.pendingCount()).toBe(1);
  });

  it("a new deliverer on the same outbox delivers what the old one left pending", async () => {
    let failures = 0;
    const first = new OutboxDeliverer({
      outbox,
      peer: "the peer",
      transport: {
        async send() {
          failures += 1;
          return { kind: "retryable", error: "HTTP 503" };
        },
      },
      initialBackoffMs: INITIAL,
      maxBackoffMs: MAX,
      clock: clock.now,
      sleep: clock.sleep,
    });
    outbox.enqueue({ buildId: 1, kind: "k", payload: "survivor" });
    first.start();
    await vi.waitFor(() => expect(failures).toBeGreaterThanOrEqual(2));
    await first.stop();
    expect(outbox.pendingCount()).toBe(1);
    deliverer = newDeliverer();
    deliverer.start();
    await drained();
    expect(payloads()).toEqual(["survivor"]);
  });

  describe("when the outbox cannot record an outcome (its disk is full)", () => {
    const diskFull = () => Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });

    /** The outbox, with the named writes failing while `failing[name]` is above 0 (counted down). */
    function fullOutbox(
      failing: Partial<Record<"markDelivered" | "reschedule" | "markManyDelivered", number>>,
    ) {
      const guard =
        <A extends unknown[]>(name: keyof typeof failing, write: (...args: A) => void) =>
        (...args: A) => {
          const left = failing[name] ?? 0;
          if (left > 0) {
            failing[name] = left - 1;
            throw diskFull();
          }
          write(...args);
        };
      const wrapped: DeliverableOutbox = {
        nextDue: (now) => outbox.nextDue(now),
        nextAttemptAt: () => outbox.nextAttemptAt(),
        markDelivered: guard("markDelivered", (id: number, at: number) => outbox.markDelivered(id, at)),
        reschedule: guard("reschedule", (id: number, at: number, error: string) =>
          outbox.reschedule(id, at, error),
        ),
        markFailed: (id, error) => outbox.markFailed(id, error),
        onEnqueue: (listener) => outbox.onEnqueue(listener),
        resumeAll: (now) => outbox.resumeAll(now),
        pendingHeads: (limit) => outbox.pendingHeads(limit),
        markManyDelivered: guard("markManyDelivered", (ids: readonly number[], at: number) =>
          outbox.markManyDelivered(ids, at),
        ),
      };
      return wrapped;
    }

    const start = (deliverable: DeliverableOutbox, digest?: DigestPolicy) => {
      deliverer = new OutboxDeliverer({
        outbox: deliverable,
        peer: "the peer",
        transport,
        initialBackoffMs: INITIAL,
        maxBackoffMs: MAX,
        clock: clock.now,
        sleep: clock.sleep,
        random: () => 0.5,
        logger,
        ...(digest ? { digest } : {}),
      });
      deliverer.start();
    };

    it("holds a delivery it cannot record: the post is not sent again, and goes on once it is recorded", async () => {
      outbox.enqueue({ buildId: 1, kind: "k", payload: "accepted" });
      outbox.enqueue({ buildId: 2, kind: "k", payload: "next" });
      start(fullOutbox({ markDelivered: 3 }));
      await drained();
      expect(payloads()).toEqual(["accepted", "next"]);
      expect(logged.filter((entry) => entry.msg.startsWith("still cannot record"))).toHaveLength(2);
      expect(logged.at(-1)).toMatchObject({ msg: "status post delivery recorded: delivery resumes" });
    });

    it("sends again a failed send it cannot record: that post is still pending, and is delivered later", async () => {
      transport.answer({ kind: "retryable", error: "HTTP 503" }, { kind: "retryable", error: "HTTP 503" });
      outbox.enqueue({ buildId: 1, kind: "k", payload: "p" });
      // Recording a failure never works here; the send after the outage is what gets through.
      start(fullOutbox({ reschedule: Number.MAX_SAFE_INTEGER }));
      await drained();
      expect(transport.sends.map((send) => send.outcome.kind)).toEqual([
        "retryable",
        "retryable",
        "delivered",
      ]);
      const gaps = transport.sends.slice(1).map((send, index) => send.at - (transport.sends[index]?.at ?? 0));
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(INITIAL / 2);
      expect(deliverer.paused).toBe(false);
    });

    it("holds a digest it cannot record: the messages it carried are not sent again", async () => {
      for (const id of [1, 2, 3]) outbox.enqueue({ buildId: id, kind: "finish", payload: `f${id}` });
      const digest: DigestPolicy = {
        after: 2,
        key: () => "ci",
        compose: (messages) => [{ payload: "digest", covers: messages.map((m) => m.id) }],
      };
      start(fullOutbox({ markManyDelivered: 2 }), digest);
      await drained();
      expect(payloads()).toEqual(["digest"]);
      expect(logged.filter((entry) => entry.msg.startsWith("still cannot record"))).toHaveLength(1);
    });
  });
});
