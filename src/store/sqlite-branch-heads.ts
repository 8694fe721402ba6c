import type { BuildStatus } from "../core/build.js";
import type { BranchHead } from "../core/ports.js";
import type { Db } from "./open-database.js";

interface HeadRow {
  readonly branch: string;
  readonly recent_id: number;
  readonly id: number;
  readonly status: BuildStatus;
  readonly requester: string;
  readonly created_at: number;
  readonly started_at: number | null;
  readonly finished_at: number | null;
  readonly verdict_id: number | null;
  readonly verdict_status: BuildStatus | null;
}

/**
 * Each listed branch with its newest build (one seek down builds_repo_branch, never a range) and
 * its verdict's build (by primary key), only the columns the overview shows: reading whole build
 * rows cost several times more than the rest of the page.
 */
const HEADS = `SELECT h.branch, h.recent_id, l.id, l.status, l.requester, l.created_at, l.started_at, l.finished_at,
    h.verdict_id, v.status AS verdict_status
  FROM branch_heads h
  JOIN builds l ON l.id = (SELECT id FROM builds WHERE repo = h.repo AND branch = h.branch ORDER BY id DESC LIMIT 1)
  LEFT JOIN builds v ON v.id = h.verdict_id`;

function toHead(row: HeadRow): BranchHead {
  return {
    branch: row.branch,
    recentId: row.recent_id,
    latest: {
      id: row.id,
      status: row.status,
      requester: row.requester,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    },
    verdict:
      row.verdict_id === null || row.verdict_status === null
        ? null
        : { id: row.verdict_id, status: row.verdict_status },
  };
}

/**
 * The reads of branch_heads, which triggers keep (migration 17). Both are bounded by what they
 * return, whatever the history: a page of a repo's branches read backwards through
 * branch_heads_recent from a page marker, or one branch by primary key
 * (test/unit/store/query-plans.test.ts).
 */
export class SqliteBranchHeads {
  readonly #recent;
  readonly #one;

  constructor(db: Db) {
    this.#recent = db.prepare<[string, number, number], HeadRow>(
      `${HEADS} WHERE h.repo = ? AND h.recent_id < ? ORDER BY h.recent_id DESC LIMIT ?`,
    );
    this.#one = db.prepare<[string, string], HeadRow>(`${HEADS} WHERE h.repo = ? AND h.branch = ?`);
  }

  /** The repo's branches by their latest verdict (or first build, until one has a verdict), newest first. */
  recent(repo: string, limit: number, beforeId = Number.MAX_SAFE_INTEGER): BranchHead[] {
    return this.#recent.all(repo, beforeId, limit).map(toHead);
  }

  of(repo: string, branch: string): BranchHead | undefined {
    const row = this.#one.get(repo, branch);
    return row ? toHead(row) : undefined;
  }
}
