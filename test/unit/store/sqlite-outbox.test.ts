import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { SqliteOutbox } from "../../../src/store/sqlite-outbox.js";

let db: Db;
let now = 1000;
let outbox: SqliteOutbox;

beforeEach(() => {
  db = openDatabase(":memory:");
  now = 1000;
  outbox = new SqliteOutbox(db, () => now);
});
afterEach(() => db.close());

const take = (at = now) => outbox.nextDue(at);

describe("SqliteOutbox", () => {
  it("stores a message as pending and returns it with its payload", () => {
    const id = outbox.enqueue({ buildId: 1, kind: "build_started", payload: { text: "hi" } });
    expect(outbox.pendingCount()).toBe(1);
    expect(take()).toMatchObject({
      id,
      buildId: 1,
      kind: "build_started",
      payload: { text: "hi" },
      attempts: 0,
      nextAttemptAt: 1000,
    });
  });

  it("keeps order within a build: a later message waits while an earlier one is pending", () => {
    const first = outbox.enqueue({ buildId: 1, kind: "build_started", payload: 1 });
    const second = outbox.enqueue({ buildId: 1, kind: "build_finished", payload: 2 });
    outbox.reschedule(first, 5000, "HTTP 503");
    // The second is due, but its build's first message is still pending: nothing may go out.
    expect(take(1000)).toBeUndefined();
    expect(take(5000)?.id).toBe(first);
    outbox.markDelivered(first, 5000);
    expect(take(5000)?.id).toBe(second);
  });

  it("lets other builds go ahead while one build waits", () => {
    const a = outbox.enqueue({ buildId: 1, kind: "build_started", payload: "a" });
    const b = outbox.enqueue({ buildId: 2, kind: "build_started", payload: "b" });
    outbox.reschedule(a, 5000, "HTTP 503");
    expect(take(1000)?.id).toBe(b);
  });

  it("returns the oldest due message first across builds", () => {
    const a = outbox.enqueue({ buildId: 2, kind: "k", payload: "a" });
    outbox.enqueue({ buildId: 1, kind: "k", payload: "b" });
    expect(take()?.id).toBe(a);
  });

  it("unblocks a build once its earlier message failed for good", () => {
    const first = outbox.enqueue({ buildId: 1, kind: "build_started", payload: 1 });
    const second = outbox.enqueue({ buildId: 1, kind: "build_finished", payload: 2 });
    outbox.markFailed(first, "HTTP 400");
    expect(take()?.id).toBe(second);
    expect(outbox.pendingCount()).toBe(1);
    expect(db.prepare("SELECT state, last_error, attempts FROM outbox WHERE id = ?").get(first)).toEqual({
      state: "failed",
      last_error: "HTTP 400",
      attempts: 1,
    });
  });

  it("records attempts and errors on reschedule, and clears the error on delivery", () => {
    const id = outbox.enqueue({ buildId: null, kind: "k", payload: 0 });
    outbox.reschedule(id, 2000, "HTTP 503");
    outbox.reschedule(id, 4000, "timeout");
    expect(take(4000)).toMatchObject({ attempts: 2, lastError: "timeout", nextAttemptAt: 4000 });
    outbox.markDelivered(id, 4100);
    expect(outbox.pendingCount()).toBe(0);
    expect(db.prepare("SELECT state, delivered_at, attempts, last_error FROM outbox").get()).toEqual({
      state: "delivered",
      delivered_at: 4100,
      attempts: 3,
      last_error: null,
    });
  });

  it("marks a message delivered only once", () => {
    const id = outbox.enqueue({ buildId: 1, kind: "k", payload: 0 });
    outbox.markDelivered(id, 2000);
    outbox.markDelivered(id, 3000);
    outbox.reschedule(id, 9000, "late");
    expect(db.prepare("SELECT state, delivered_at, attempts FROM outbox").get()).toEqual({
      state: "delivered",
      delivered_at: 2000,
      attempts: 1,
    });
  });

  it("tells when the next sendable message is due", () => {
    expect(outbox.nextAttemptAt()).toBeNull();
    const a = outbox.enqueue({ buildId: 1, kind: "k", payload: 0 });
    outbox.enqueue({ buildId: 1, kind: "k", payload: 1 });
    outbox.reschedule(a, 7000, "HTTP 503");
    // The build's second message is due at 1000 but blocked behind the first: 7000 is the answer.
    expect(outbox.nextAttemptAt()).toBe(7000);
  });

  it("notifies listeners after each enqueue until unsubscribed", () => {
    let calls = 0;
    const off = outbox.onEnqueue(() => {
      calls += 1;
    });
    outbox.enqueue({ buildId: 1, kind: "k", payload: 0 });
    off();
    outbox.enqueue({ buildId: 1, kind: "k", payload: 0 });
    expect(calls).toBe(1);
  });
});
