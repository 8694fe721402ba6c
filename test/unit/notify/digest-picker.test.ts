import { describe, expect, it } from "vitest";
import { DigestPicker } from "../../../src/notify/digest-picker.js";
import type { DeliverableOutbox, DigestPolicy, OutboxMessage } from "../../../src/notify/ports.js";

/** Pending messages, oldest first; `heads` are those first in line in their build. */
function outbox(pending: OutboxMessage[], heads: (m: OutboxMessage) => boolean): DeliverableOutbox {
  return {
    nextDue: () => undefined,
    nextAttemptAt: () => null,
    markDelivered: () => {},
    reschedule: () => {},
    markFailed: () => {},
    onEnqueue: () => () => {},
    pendingHeads: (limit) => pending.filter(heads).slice(0, limit),
    pendingOfKind: (kind, limit) => pending.filter((m) => m.kind === kind).slice(0, limit),
  };
}

function message(id: number, kind: string, channel: string): OutboxMessage {
  return {
    id,
    buildId: id,
    kind,
    payload: { channel },
    attempts: 0,
    nextAttemptAt: 0,
    lastError: null,
    createdAt: id,
  };
}

/** Digests `kind` messages by channel, three per part. */
function policy(kind: string, after: number, ahead: boolean): DigestPolicy {
  return {
    after,
    ...(ahead ? { ahead: kind } : {}),
    key: (m) => (m.kind === kind ? (m.payload as { channel: string }).channel : null),
    compose: (messages) => {
      const parts = [];
      for (let i = 0; i < messages.length; i += 3) {
        const covers = messages.slice(i, i + 3).map((m) => m.id);
        parts.push({ payload: { digest: covers }, covers });
      }
      return parts;
    },
  };
}

describe("DigestPicker", () => {
  it("ahead: a group over the threshold is digested whatever message came up, counted against a message it carries", () => {
    const update = message(1, "update", "a");
    const replies = [2, 3, 4].map((id) => message(id, "reply", "a"));
    const picker = new DigestPicker(
      policy("reply", 2, true),
      outbox([update, ...replies], () => false),
    );
    const pick = picker.pick(update, 0);
    expect(pick?.part.covers).toEqual([2, 3, 4]);
    expect(pick?.stand.id).toBe(2);
    // Not over the threshold: no digest.
    const few = new DigestPicker(
      policy("reply", 3, true),
      outbox([update, ...replies], () => true),
    );
    expect(few.pick(update, 0)).toBeNull();
  });

  it("in order: only the group of the message that came up, and only its heads", () => {
    const finishes = [1, 2, 3, 4].map((id) => message(id, "finish", "a"));
    const start = message(5, "start", "b");
    const all = [...finishes, start];
    const picker = new DigestPicker(
      policy("finish", 2, false),
      outbox(all, () => true),
    );
    expect(picker.pick(start, 0)).toBeNull();
    expect(picker.pick(finishes[1] as OutboxMessage, 0)?.stand.id).toBe(2);
    const notHeads = new DigestPicker(
      policy("finish", 2, false),
      outbox(all, (m) => m.id > 2),
    );
    expect(notHeads.pick(finishes[3] as OutboxMessage, 0)).toBeNull();
  });

  it("sends a digest's later parts next, as composed, even when fewer than the threshold are left", () => {
    const pending = [1, 2, 3, 4, 5].map((id) => message(id, "reply", "a"));
    const picker = new DigestPicker(
      policy("reply", 4, true),
      outbox(pending, () => true),
    );
    const first = picker.pick(pending[0] as OutboxMessage, 0);
    expect(first?.part.covers).toEqual([1, 2, 3]);
    picker.delivered(first as NonNullable<typeof first>);
    pending.splice(0, 3);
    const second = picker.pick(pending[0] as OutboxMessage, 0);
    expect(second?.part).toBe(first?.later[0]);
    picker.delivered(second as NonNullable<typeof second>);
    expect(picker.pick(message(6, "reply", "a"), 0)).toBeNull();
  });

  it("composes afresh when what a later part carries is no longer pending (refused for good, or a restart)", () => {
    const pending = [1, 2, 3, 4, 5].map((id) => message(id, "reply", "a"));
    const picker = new DigestPicker(
      policy("reply", 4, true),
      outbox(pending, () => true),
    );
    const first = picker.pick(pending[0] as OutboxMessage, 0);
    picker.delivered(first as NonNullable<typeof first>);
    // 1-3 went out; 4 was refused for good meanwhile: 5 alone is under the threshold.
    pending.splice(0, 4);
    expect(picker.pick(pending[0] as OutboxMessage, 0)).toBeNull();
  });
});
