import type { Db } from "./open-database.js";

/**
 * The SQL of retention: which old rows may go, deleted a small batch per call so the pruner can
 * hand the event loop back between batches. Unfinished builds and pending posts are never touched.
 * Every statement is served by an index (test/unit/store/query-plans.test.ts).
 */
export class SqliteRetention {
  readonly #nextRepo;
  readonly #cutoff;
  readonly #victims;
  readonly #deleteSteps;
  readonly #deletePosts;
  readonly #deleteSent;
  readonly #deleteBuild;
  readonly #oldSent;
  readonly #deleteSentRow;
  readonly #logState;
  readonly #deleteBuilds;
  readonly #deleteSentBatch;
  readonly #deleteDeliveries;

  constructor(db: Db) {
    this.#nextRepo = db.prepare<[string], { repo: string }>(
      "SELECT repo FROM builds WHERE repo > ? ORDER BY repo LIMIT 1",
    );
    // The id of the repo's keep-th newest build: every finished build below it may go. A deploy's
    // build is neither counted nor pruned: deploys are the environments' record (who deployed what,
    // who approved it, what a rollback goes back to) and their rows point at their builds.
    this.#cutoff = db.prepare<[string, number], { id: number }>(
      "SELECT id FROM builds WHERE repo = ? AND kind = 'build' ORDER BY id DESC LIMIT 1 OFFSET ?",
    );
    this.#victims = db.prepare<[string, number, number], { id: number }>(
      `SELECT id FROM builds WHERE repo = ? AND id < ? AND status NOT IN ('queued', 'running')
         AND kind = 'build' ORDER BY id LIMIT ?`,
    );
    this.#deleteSteps = db.prepare<[number]>("DELETE FROM build_steps WHERE build_id = ?");
    this.#deletePosts = db.prepare<[number]>("DELETE FROM chat_posts WHERE build_id = ?");
    this.#deleteSent = db.prepare<[number]>("DELETE FROM outbox WHERE build_id = ? AND state != 'pending'");
    this.#deleteBuild = db.prepare<[number]>("DELETE FROM builds WHERE id = ?");
    this.#oldSent = db.prepare<[number, number], { id: number }>(
      "SELECT id FROM outbox WHERE created_at < ? AND state != 'pending' ORDER BY created_at LIMIT ?",
    );
    this.#deleteSentRow = db.prepare<[number]>("DELETE FROM outbox WHERE id = ?");
    this.#logState = db.prepare<[string], { id: number; status: string; finished_at: number | null }>(
      "SELECT id, status, finished_at FROM builds WHERE id IN (SELECT value FROM json_each(?))",
    );
    this.#deleteDeliveries = db.prepare<[number, number]>(
      `DELETE FROM webhook_deliveries WHERE rowid IN
       (SELECT rowid FROM webhook_deliveries WHERE received_at < ? ORDER BY received_at LIMIT ?)`,
    );
    this.#deleteBuilds = db.transaction((ids: readonly number[]) => {
      for (const id of ids) {
        this.#deleteSteps.run(id);
        this.#deletePosts.run(id);
        this.#deleteSent.run(id);
        this.#deleteBuild.run(id);
      }
    });
    this.#deleteSentBatch = db.transaction((ids: readonly number[]) => {
      for (const id of ids) this.#deleteSentRow.run(id);
    });
  }

  /** The repo after `after` in name order (walks the repos of the history through the index). */
  nextRepo(after: string): string | undefined {
    return this.#nextRepo.get(after)?.repo;
  }

  /**
   * Deletes up to `batch` finished builds (never deploys) of `repo` older than its newest `keep`, with their steps,
   * root-post ids and sent posts. Returns the deleted ids (their log directories go too).
   */
  pruneBuilds(repo: string, keep: number, batch: number): number[] {
    const cutoff = this.#cutoff.get(repo, keep - 1)?.id;
    if (cutoff === undefined) return [];
    const ids = this.#victims.all(repo, cutoff, batch).map((row) => row.id);
    if (ids.length > 0) this.#deleteBuilds(ids);
    return ids;
  }

  /** Deletes up to `batch` posts that were sent, given up or superseded before `before`; returns how many. */
  pruneSentPosts(before: number, batch: number): number {
    const ids = this.#oldSent.all(before, batch).map((row) => row.id);
    if (ids.length > 0) this.#deleteSentBatch(ids);
    return ids.length;
  }

  /** Forgets up to `batch` webhook delivery ids received before `before`; returns how many. */
  pruneDeliveries(before: number, batch: number): number {
    return this.#deleteDeliveries.run(before, batch).changes;
  }

  /** Of these build ids (log directories on disk), those whose logs may go: build deleted, or finished before `before`. */
  expiredLogs(ids: readonly number[], before: number): number[] {
    const known = new Map(this.#logState.all(JSON.stringify(ids)).map((row) => [row.id, row]));
    return ids.filter((id) => {
      const row = known.get(id);
      if (!row) return true;
      const finished = row.status !== "queued" && row.status !== "running";
      return finished && row.finished_at !== null && row.finished_at < before;
    });
  }
}
