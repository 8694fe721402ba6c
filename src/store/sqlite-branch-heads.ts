import type { Db } from "./open-database.js";

/** A branch's row of branch_heads (migration 13), with its newest build read beside it. */
export interface BranchHeadRow {
  readonly branch: string;
  readonly latest_id: number;
  readonly verdict_id: number | null;
}

/** Each listed branch's newest build: one seek down builds_repo_branch, never a range. */
const LATEST = "(SELECT id FROM builds WHERE repo = h.repo AND branch = h.branch ORDER BY id DESC LIMIT 1)";

/**
 * The SQL of branch_heads, which triggers keep (migration 13). Both reads are bounded by what they
 * return, whatever the history: a page of a repo's branches read backwards through
 * branch_heads_recent, or one branch by primary key, each with one seek for its newest build
 * (test/unit/store/query-plans.test.ts).
 */
export class SqliteBranchHeads {
  readonly #recent;
  readonly #one;

  constructor(db: Db) {
    this.#recent = db.prepare<[string, number], BranchHeadRow>(
      `SELECT branch, verdict_id, ${LATEST} AS latest_id FROM branch_heads h
         WHERE repo = ? ORDER BY recent_id DESC LIMIT ?`,
    );
    this.#one = db.prepare<[string, string], BranchHeadRow>(
      `SELECT branch, verdict_id, ${LATEST} AS latest_id FROM branch_heads h WHERE repo = ? AND branch = ?`,
    );
  }

  /** The repo's branches by their latest verdict (or first build, until one has a verdict), newest first. */
  recent(repo: string, limit: number): BranchHeadRow[] {
    return this.#recent.all(repo, limit);
  }

  of(repo: string, branch: string): BranchHeadRow | undefined {
    return this.#one.get(repo, branch);
  }
}
