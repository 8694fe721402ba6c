import type { DeliverableOutbox, NewOutboxMessage, OutboxMessage, OutboxSink } from "../notify/ports.js";
import type { Db } from "./open-database.js";

export type { NewOutboxMessage, OutboxMessage } from "../notify/ports.js";

/**
 * The durable outbox: every chat message is stored here before any attempt to send it, so a
 * Mattermost outage or a restart loses nothing. Messages of one build go out in the order they
 * were enqueued: a message is only due once no older message of its build is still pending.
 * A message that failed for good (state 'failed') no longer holds its build's later messages back.
 *
 * Bot mode patches one post per build with its whole current state, so an update that has not gone
 * out yet is worthless once a newer one of the same kind is queued behind it: `coalesce` marks such
 * older updates 'superseded' (never sent). Only updates with nothing else of the build pending
 * after them are dropped, so a thread reply never overtakes the post it belongs under.
 */

interface OutboxRow {
  id: number;
  build_id: number | null;
  kind: string;
  payload: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
}

/** Oldest pending message per build (or build-less message): the only ones allowed out. */
const HEAD_OF_BUILD = `o.state = 'pending'
  AND (o.build_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM outbox p WHERE p.state = 'pending' AND p.build_id = o.build_id AND p.id < o.id))`;

/** notify/'s OutboxSink and DeliverableOutbox, in SQLite. */
export class SqliteOutbox implements OutboxSink, DeliverableOutbox {
  readonly #insert;
  readonly #nextDue;
  readonly #nextAttemptAt;
  readonly #delivered;
  readonly #reschedule;
  readonly #failed;
  readonly #pending;
  readonly #supersede;
  readonly #enqueue;
  readonly #clock: () => number;
  readonly #listeners = new Set<() => void>();

  constructor(db: Db, clock: () => number = Date.now) {
    this.#clock = clock;
    this.#insert = db.prepare<[number | null, string, string, number, number]>(
      "INSERT INTO outbox (build_id, kind, payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.#nextDue = db.prepare<[number], OutboxRow>(
      `SELECT * FROM outbox o WHERE ${HEAD_OF_BUILD} AND o.next_attempt_at <= ? ORDER BY o.id LIMIT 1`,
    );
    this.#nextAttemptAt = db.prepare<[], { at: number | null }>(
      `SELECT MIN(o.next_attempt_at) AS at FROM outbox o WHERE ${HEAD_OF_BUILD}`,
    );
    this.#delivered = db.prepare<[number, number]>(
      "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ? AND state = 'pending'",
    );
    this.#reschedule = db.prepare<[number, string, number]>(
      "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'pending'",
    );
    this.#failed = db.prepare<[string, number]>(
      "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'pending'",
    );
    this.#pending = db.prepare<[], { n: number; oldest: number | null }>(
      "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE state = 'pending'",
    );
    // Pending messages of this build and kind queued after the build's last pending message of any other kind.
    this.#supersede = db.prepare<{ build: number; kind: string }>(
      `UPDATE outbox SET state = 'superseded', last_error = 'superseded by a newer update'
       WHERE state = 'pending' AND build_id = @build AND kind = @kind
         AND id > COALESCE((SELECT MAX(id) FROM outbox
                            WHERE state = 'pending' AND build_id = @build AND kind != @kind), 0)`,
    );
    this.#enqueue = db.transaction((message: NewOutboxMessage, now: number): number => {
      if (message.coalesce && message.buildId !== null)
        this.#supersede.run({ build: message.buildId, kind: message.kind });
      const info = this.#insert.run(message.buildId, message.kind, JSON.stringify(message.payload), now, now);
      return Number(info.lastInsertRowid);
    });
  }

  /** Stores the message (due now) and wakes whoever delivers. Returns its id. */
  enqueue(message: NewOutboxMessage): number {
    const id = this.#enqueue(message, this.#clock());
    for (const listener of this.#listeners) listener();
    return id;
  }

  /** The oldest pending message that is due at `now` and has no older pending sibling in its build. */
  nextDue(now: number): OutboxMessage | undefined {
    const row = this.#nextDue.get(now);
    return row ? toMessage(row) : undefined;
  }

  /** When the earliest sendable message becomes due (maybe in the past); null when nothing is pending. */
  nextAttemptAt(): number | null {
    return this.#nextAttemptAt.get()?.at ?? null;
  }

  markDelivered(id: number, at: number): void {
    this.#delivered.run(at, id);
  }

  reschedule(id: number, at: number, error: string): void {
    this.#reschedule.run(at, error, id);
  }

  markFailed(id: number, error: string): void {
    this.#failed.run(error, id);
  }

  pendingCount(): number {
    return this.#pending.get()?.n ?? 0;
  }

  /** How many messages wait and since when (created_at of the oldest), for metrics and health. */
  pendingSummary(): { readonly pending: number; readonly oldestCreatedAt: number | null } {
    const row = this.#pending.get();
    return { pending: row?.n ?? 0, oldestCreatedAt: row?.oldest ?? null };
  }

  /** Calls `listener` after every enqueue (the deliverer wakes up on it). Returns the unsubscribe. */
  onEnqueue(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

function toMessage(row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    buildId: row.build_id,
    kind: row.kind,
    payload: JSON.parse(row.payload) as unknown,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
  };
}
