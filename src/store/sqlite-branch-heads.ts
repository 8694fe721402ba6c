import type { Db } from "./open-database.js";

/** A row of branch_heads (migration 13): the branch's newest build and newest build with a verdict. */
export interface BranchHeadRow {
  readonly branch: string;
  readonly latest_id: number;
  readonly verdict_id: number | null;
}

/**
 * The SQL of branch_heads, which triggers keep (migration 13). Both reads are bounded by what they
 * return, whatever the history: a page of a repo's branches read backwards through
 * branch_heads_recent, or one branch by primary key (test/unit/store/query-plans.test.ts).
 */
export class SqliteBranchHeads {
  readonly #recent;
  readonly #one;

  constructor(db: Db) {
    this.#recent = db.prepare<[string, number], BranchHeadRow>(
      "SELECT branch, latest_id, verdict_id FROM branch_heads WHERE repo = ? ORDER BY latest_id DESC LIMIT ?",
    );
    this.#one = db.prepare<[string, string], BranchHeadRow>(
      "SELECT branch, latest_id, verdict_id FROM branch_heads WHERE repo = ? AND branch = ?",
    );
  }

  /** The repo's branches, most recently built first. */
  recent(repo: string, limit: number): BranchHeadRow[] {
    return this.#recent.all(repo, limit);
  }

  of(repo: string, branch: string): BranchHeadRow | undefined {
    return this.#one.get(repo, branch);
  }
}
