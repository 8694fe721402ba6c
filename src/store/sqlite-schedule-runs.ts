import type { ScheduleRuns } from "../core/ports.js";
import type { Db } from "./open-database.js";

/** When each schedule last fired (epoch ms), keyed by repo and schedule name. */
export class SqliteScheduleRuns implements ScheduleRuns {
  readonly #get;
  readonly #set;

  constructor(db: Db) {
    this.#get = db.prepare<[string, string], { last_run_at: number }>(
      "SELECT last_run_at FROM schedule_runs WHERE repo = ? AND name = ?",
    );
    this.#set = db.prepare<[string, string, number]>(
      `INSERT INTO schedule_runs (repo, name, last_run_at) VALUES (?, ?, ?)
       ON CONFLICT (repo, name) DO UPDATE SET last_run_at = excluded.last_run_at`,
    );
  }

  lastRun(repo: string, name: string): number | null {
    return this.#get.get(repo, name)?.last_run_at ?? null;
  }

  record(repo: string, name: string, at: number): void {
    this.#set.run(repo, name, at);
  }
}
