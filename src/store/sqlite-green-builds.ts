import type Database from "better-sqlite3";
import type { Build } from "../core/build.js";
import type { GreenBuilds } from "../core/deploys/ports.js";
import type { BuildStore } from "../core/ports.js";
import type { Db } from "./open-database.js";

/**
 * GreenBuilds on SQLite: the successful builds (deploys excluded) a deploy request looks for, each
 * found by a seek in a partial index that holds successful builds only (builds_green by branch,
 * builds_green_sha by commit), so the answer costs the same at any history length and however
 * many builds of the branch failed since the last green one.
 */
export class SqliteGreenBuilds implements GreenBuilds {
  readonly #builds: Pick<BuildStore, "get">;
  readonly #newest;
  readonly #db: Db;
  /** By limit: a bound LIMIT makes SQLite recompile the statement at every call (about 25 µs here). */
  readonly #ofRevision = new Map<number, RevisionStatement>();

  constructor(db: Db, builds: Pick<BuildStore, "get">) {
    this.#builds = builds;
    this.#newest = db.prepare<[string, string], { id: number }>(
      `SELECT id FROM builds WHERE repo = ? AND branch = ? AND status = 'succeeded' AND kind = 'build'
         ORDER BY id DESC LIMIT 1`,
    );
    this.#db = db;
  }

  newest(repo: string, branch: string): Build | undefined {
    const row = this.#newest.get(repo, branch);
    return row ? this.#builds.get(row.id) : undefined;
  }

  ofRevision(repo: string, revision: string, limit: number): Build[] {
    const from = revision.toLowerCase();
    return this.#revisionStatement(limit)
      .all({ repo, from, to: `${from}g` })
      .sort((a, b) => b.id - a.id)
      .flatMap((row) => this.#builds.get(row.id) ?? []);
  }

  // A prefix of hex digits is a range of shas: from it up to the same prefix followed by 'g'. Read
  // in the index's order and sorted by the caller: a commit is built green a few times, and an
  // ORDER BY id would sort every match of a short prefix before the limit applies.
  #revisionStatement(limit: number): RevisionStatement {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`not a limit: ${limit}`);
    let statement = this.#ofRevision.get(limit);
    if (!statement) {
      statement = this.#db.prepare<{ repo: string; from: string; to: string }, { id: number }>(
        `SELECT id FROM builds WHERE repo = @repo AND sha >= @from AND sha < @to
           AND status = 'succeeded' AND kind = 'build' LIMIT ${limit}`,
      );
      this.#ofRevision.set(limit, statement);
    }
    return statement;
  }
}

type RevisionStatement = Database.Statement<{ repo: string; from: string; to: string }, { id: number }>;
