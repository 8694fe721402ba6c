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
  readonly #ofRevision;

  constructor(db: Db, builds: Pick<BuildStore, "get">) {
    this.#builds = builds;
    this.#newest = db.prepare<[string, string], { id: number }>(
      `SELECT id FROM builds WHERE repo = ? AND branch = ? AND status = 'succeeded' AND kind = 'build'
         ORDER BY id DESC LIMIT 1`,
    );
    // A prefix of hex digits is a range of shas: from it up to the same prefix followed by 'g'.
    // Read in the index's order and sorted here: a commit is built green a few times, and an ORDER
    // BY id would sort every match of a short prefix before the limit applies.
    this.#ofRevision = db.prepare<{ repo: string; from: string; to: string; limit: number }, { id: number }>(
      `SELECT id FROM builds WHERE repo = @repo AND sha >= @from AND sha < @to
         AND status = 'succeeded' AND kind = 'build' LIMIT @limit`,
    );
  }

  newest(repo: string, branch: string): Build | undefined {
    const row = this.#newest.get(repo, branch);
    return row ? this.#builds.get(row.id) : undefined;
  }

  ofRevision(repo: string, revision: string, limit: number): Build[] {
    const from = revision.toLowerCase();
    return this.#ofRevision
      .all({ repo, from, to: `${from}g`, limit })
      .sort((a, b) => b.id - a.id)
      .flatMap((row) => this.#builds.get(row.id) ?? []);
  }
}
