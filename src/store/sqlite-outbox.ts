import type {
  DeliverableOutbox,
  DraftMessage,
  NewOutboxMessage,
  OutboxMessage,
  OutboxSink,
} from "../notify/ports.js";
import type { Db } from "./open-database.js";
import { type StorageGuard, UNGUARDED } from "./storage-guard.js";

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
 *
 * A 'draft' is a message stored before its text is final (a finish post whose failure excerpt is
 * still being read from the log): it is stored in the same transaction as the build's new state,
 * holds its build's later messages back, and is sent only once `complete` makes it pending. A
 * draft left by a crash is completed at the next start (`drafts()`), so the post is never lost.
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

/**
 * Oldest pending message per build (or build-less message) of this sink: the only ones allowed out.
 * A draft holds later ones back. Order is kept within a sink: a Git host that is down never holds
 * chat posts back, nor the reverse.
 */
const HEAD_OF_BUILD = `o.state = 'pending' AND o.sink = @sink
  AND (o.build_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM outbox p
    WHERE p.state IN ('pending', 'draft') AND p.sink = @sink AND p.build_id = o.build_id AND p.id < o.id))`;

/** Messages for Mattermost; other sinks (commit statuses: "forge") share the table and its guarantees. */
const CHAT_SINK = "chat";

/** notify/'s OutboxSink and DeliverableOutbox, in SQLite. */
export class SqliteOutbox implements OutboxSink, DeliverableOutbox {
  readonly #insert;
  readonly #complete;
  readonly #drafts;
  readonly #nextDue;
  readonly #nextAttemptAt;
  readonly #delivered;
  readonly #reschedule;
  readonly #failed;
  readonly #pending;
  readonly #supersede;
  readonly #enqueue;
  readonly #dropStale;
  readonly #resumeAll;
  readonly #heads;
  readonly #ofKind;
  readonly #markMany;
  readonly #clock: () => number;
  readonly #listeners = new Set<() => void>();

  readonly #guard: StorageGuard;
  readonly #sink: string;

  /**
   * `guard` turns a full disk into STORAGE_FULL; `sink` names whose messages this outbox holds
   * (several deliverers share one table, each its own sink).
   */
  constructor(
    db: Db,
    clock: () => number = Date.now,
    guard: StorageGuard = UNGUARDED,
    sink: string = CHAT_SINK,
  ) {
    this.#clock = clock;
    this.#guard = guard;
    this.#sink = sink;
    this.#insert = db.prepare<[number | null, string, string, string, number, number, string]>(
      "INSERT INTO outbox (build_id, kind, payload, state, next_attempt_at, created_at, sink) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.#complete = db.prepare<[string | null, number, number]>(
      "UPDATE outbox SET payload = COALESCE(?, payload), state = 'pending', next_attempt_at = ? WHERE id = ? AND state = 'draft'",
    );
    this.#drafts = db.prepare<[string], { id: number; build_id: number | null; kind: string }>(
      "SELECT id, build_id, kind FROM outbox WHERE state = 'draft' AND sink = ? ORDER BY id",
    );
    this.#nextDue = db.prepare<{ sink: string; now: number }, OutboxRow>(
      // Walks pending rows oldest first and stops at the first sendable one, instead of sorting
      // every due row (the planner, without statistics, would pick outbox_pending and sort).
      `SELECT * FROM outbox o INDEXED BY outbox_pending_by_id
       WHERE ${HEAD_OF_BUILD} AND o.next_attempt_at <= @now ORDER BY o.id LIMIT 1`,
    );
    this.#nextAttemptAt = db.prepare<{ sink: string }, { at: number | null }>(
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
    this.#pending = db.prepare<[string], { n: number; oldest: number | null }>(
      "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE state = 'pending' AND sink = ?",
    );
    // Pending messages of this build and kind queued after the build's last pending message of any other kind.
    this.#supersede = db.prepare<{ build: number; kind: string; sink: string }>(
      `UPDATE outbox SET state = 'superseded', last_error = 'superseded by a newer update'
       WHERE state = 'pending' AND sink = @sink AND build_id = @build AND kind = @kind
         AND id > COALESCE((SELECT MAX(id) FROM outbox
                            WHERE state IN ('pending', 'draft') AND sink = @sink AND build_id = @build AND kind != @kind), 0)`,
    );
    this.#dropStale = db.prepare<[string, number, string, string]>(
      `UPDATE outbox SET state = 'superseded', last_error = ?
       WHERE state = 'pending' AND build_id = ? AND sink = ? AND kind IN (SELECT value FROM json_each(?))`,
    );
    this.#resumeAll = db.prepare<{ now: number; sink: string }>(
      "UPDATE outbox INDEXED BY outbox_pending_by_id SET next_attempt_at = @now WHERE state = 'pending' AND sink = @sink AND next_attempt_at > @now",
    );
    this.#heads = db.prepare<{ sink: string; limit: number }, OutboxRow>(
      `SELECT * FROM outbox o INDEXED BY outbox_pending_by_id WHERE ${HEAD_OF_BUILD} ORDER BY o.id LIMIT @limit`,
    );
    this.#ofKind = db.prepare<{ sink: string; kind: string; limit: number }, OutboxRow>(
      `SELECT * FROM outbox o INDEXED BY outbox_pending_by_id
       WHERE o.state = 'pending' AND o.sink = @sink AND o.kind = @kind ORDER BY o.id LIMIT @limit`,
    );
    this.#markMany = db.transaction((ids: readonly number[], at: number) => {
      for (const id of ids) this.#delivered.run(at, id);
    });
    this.#enqueue = db.transaction((message: NewOutboxMessage, now: number): number => {
      if (message.coalesce && message.buildId !== null)
        this.#supersede.run({ build: message.buildId, kind: message.kind, sink: this.#sink });
      if (message.supersedes?.length && message.buildId !== null)
        this.#dropStale.run(
          `superseded by ${message.kind}`,
          message.buildId,
          this.#sink,
          JSON.stringify(message.supersedes),
        );
      const state = message.draft ? "draft" : "pending";
      const info = this.#insert.run(
        message.buildId,
        message.kind,
        JSON.stringify(message.payload),
        state,
        now,
        now,
        this.#sink,
      );
      return Number(info.lastInsertRowid);
    });
  }

  /** Stores the message (due now) and wakes whoever delivers. Returns its id. */
  enqueue(message: NewOutboxMessage): number {
    const id = this.#guard.run(() => this.#enqueue(message, this.#clock()));
    for (const listener of this.#listeners) listener();
    return id;
  }

  /** Makes a draft sendable (due now), with its final payload, or as stored when `payload` is undefined. */
  complete(id: number, payload?: unknown): void {
    const text = payload === undefined ? null : JSON.stringify(payload);
    this.#guard.run(() => this.#complete.run(text, this.#clock(), id));
    for (const listener of this.#listeners) listener();
  }

  /** Drafts not completed yet: after a start, those a crash left behind. */
  drafts(): DraftMessage[] {
    return this.#drafts.all(this.#sink).map((row) => ({ id: row.id, buildId: row.build_id, kind: row.kind }));
  }

  /** The oldest pending message that is due at `now` and has no older pending sibling in its build. */
  nextDue(now: number): OutboxMessage | undefined {
    const row = this.#nextDue.get({ sink: this.#sink, now });
    return row ? toMessage(row) : undefined;
  }

  /** When the earliest sendable message becomes due (maybe in the past); null when nothing is pending. */
  nextAttemptAt(): number | null {
    return this.#nextAttemptAt.get({ sink: this.#sink })?.at ?? null;
  }

  markDelivered(id: number, at: number): void {
    this.#guard.run(() => this.#delivered.run(at, id));
  }

  reschedule(id: number, at: number, error: string): void {
    this.#guard.run(() => this.#reschedule.run(at, error, id));
  }

  markFailed(id: number, error: string): void {
    this.#guard.run(() => this.#failed.run(error, id));
  }

  /** Makes every pending message due now (after an outage); returns how many were waiting out a backoff. */
  resumeAll(now: number): number {
    return this.#resumeAll.run({ now, sink: this.#sink }).changes;
  }

  /** Up to `limit` pending messages first in line in their build, oldest first (due or not). */
  pendingHeads(limit: number): OutboxMessage[] {
    return this.#heads.all({ sink: this.#sink, limit }).map(toMessage);
  }

  /** Up to `limit` pending messages of `kind`, oldest first, whether first in line in their build or not. */
  pendingOfKind(kind: string, limit: number): OutboxMessage[] {
    return this.#ofKind.all({ sink: this.#sink, kind, limit }).map(toMessage);
  }

  markManyDelivered(ids: readonly number[], at: number): void {
    this.#markMany(ids, at);
  }

  pendingCount(): number {
    return this.#pending.get(this.#sink)?.n ?? 0;
  }

  /** How many messages wait and since when (created_at of the oldest), for metrics and health. */
  pendingSummary(): { readonly pending: number; readonly oldestCreatedAt: number | null } {
    const row = this.#pending.get(this.#sink);
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
