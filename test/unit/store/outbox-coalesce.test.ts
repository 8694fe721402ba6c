import { describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteOutbox } from "../../../src/store/sqlite-outbox.js";

function drain(outbox: SqliteOutbox): unknown[] {
  const sent: unknown[] = [];
  for (let message = outbox.nextDue(1); message; message = outbox.nextDue(1)) {
    sent.push(message.payload);
    outbox.markDelivered(message.id, 1);
  }
  return sent;
}

describe("SqliteOutbox coalescing of whole-post updates", () => {
  it("skips older unsent updates of the same build once a newer one is queued", () => {
    const outbox = new SqliteOutbox(openDatabase(":memory:"), () => 0);
    outbox.enqueue({ buildId: 1, kind: "post_update", payload: "1 queued", coalesce: true });
    outbox.enqueue({ buildId: 2, kind: "post_update", payload: "2 queued", coalesce: true });
    outbox.enqueue({ buildId: 1, kind: "post_update", payload: "1 step 1", coalesce: true });
    outbox.enqueue({ buildId: 1, kind: "post_update", payload: "1 step 2", coalesce: true });
    expect(outbox.pendingCount()).toBe(2);
    expect(drain(outbox)).toEqual(["2 queued", "1 step 2"]);
  });

  it("never lets a reply overtake the update queued before it", () => {
    const outbox = new SqliteOutbox(openDatabase(":memory:"), () => 0);
    outbox.enqueue({ buildId: 1, kind: "post_update", payload: "root", coalesce: true });
    outbox.enqueue({ buildId: 1, kind: "thread_reply", payload: "reply" });
    outbox.enqueue({ buildId: 1, kind: "post_update", payload: "final", coalesce: true });
    expect(drain(outbox)).toEqual(["root", "reply", "final"]);
  });

  it("leaves messages without coalesce alone", () => {
    const outbox = new SqliteOutbox(openDatabase(":memory:"), () => 0);
    outbox.enqueue({ buildId: 1, kind: "build_started", payload: "a" });
    outbox.enqueue({ buildId: 1, kind: "build_started", payload: "b" });
    expect(drain(outbox)).toEqual(["a", "b"]);
  });
});
