import type Database from "better-sqlite3";
import type { Build, BuildStatus, Step } from "../core/build.js";
import type { BranchHead, BuildFilter, BuildPatch, BuildStore, NewBuild } from "../core/ports.js";
import { type BuildRow, rowToBuild, type StepRow } from "./build-rows.js";
import { SameUnfinishedQuery } from "./find-same-unfinished.js";
import type { Db } from "./open-database.js";
import { SqliteBranchHeads } from "./sqlite-branch-heads.js";
import { SqliteTestReports } from "./sqlite-test-reports.js";
import { statementCache } from "./statement-cache.js";
import { type StorageGuard, UNGUARDED } from "./storage-guard.js";

interface NumberRecorder {
  record(id: number): void;
}

/** How far back a finish looks for the branch's previous verdict (cancelled and interrupted builds have none). */
const VERDICT_LOOKBACK = 50;

const PATCH_COLUMNS: Record<keyof BuildPatch, string> = {
  status: "status",
  sha: "sha",
  startedAt: "started_at",
  finishedAt: "finished_at",
  failingStep: "failing_step",
  reason: "reason",
  external: "external",
};

const STEP_COLUMNS: Record<string, string> = {
  name: "name",
  status: "status",
  exitCode: "exit_code",
  startedAt: "started_at",
  finishedAt: "finished_at",
};

/** BuildStore on SQLite. Statements are prepared once; every call is synchronous and short. */
export class SqliteBuildStore implements BuildStore {
  readonly #db: Db;
  readonly #insert;
  readonly #byId;
  readonly #steps;
  readonly #stepsOf;
  /** list() statements by their SQL: one per filter combination, prepared once. */
  readonly #lists = new Map<string, Database.Statement<Record<string, unknown>, BuildRow>>();
  readonly #unfinished;
  readonly #unfinishedOf;
  readonly #countQueued;
  readonly #oldestQueued;
  readonly #sameUnfinished: SameUnfinishedQuery;
  readonly #previousVerdict;
  readonly #heads: SqliteBranchHeads;

  readonly #guard: StorageGuard;
  readonly #numbers: NumberRecorder | undefined;
  /** Statements made from a patch's columns, prepared once each (statement-cache.ts). */
  readonly #prepared: ReturnType<typeof statementCache>;
  /** The builds' test reports: saved by the embedded runner, read back with each build by `get`. */
  readonly tests: SqliteTestReports;

  /** `numbers` hears every new build's number (store/build-number-mark.ts: kept outside the database). */
  constructor(db: Db, guard: StorageGuard = UNGUARDED, numbers?: NumberRecorder) {
    this.#db = db;
    this.#prepared = statementCache(db);
    this.#guard = guard;
    this.#numbers = numbers;
    this.tests = new SqliteTestReports(db, guard);
    this.#insert = db.prepare(
      `INSERT INTO builds (repo, branch, requested_revision, requester, requester_id, channel_id, channel_name,
         backend, status, created_at, rebuild_of, trigger, kind, environment)
       VALUES (@repo, @branch, @requestedRevision, @requester, @requesterId, @channelId, @channelName,
         @backend, 'queued', @createdAt, @rebuildOf, @trigger, @kind, @environment)`,
    );
    this.#byId = db.prepare<[number], BuildRow>("SELECT * FROM builds WHERE id = ?");
    this.#steps = db.prepare<[number], StepRow>("SELECT * FROM build_steps WHERE build_id = ? ORDER BY idx");
    // The steps of many builds in one query (list pages, recovery), by primary key.
    this.#stepsOf = db.prepare<[string], StepRow>(
      "SELECT * FROM build_steps WHERE build_id IN (SELECT value FROM json_each(?)) ORDER BY build_id, idx",
    );
    this.#unfinished = db.prepare<[], BuildRow>(
      "SELECT * FROM builds WHERE status IN ('queued', 'running') ORDER BY id",
    );
    // Not on the acknowledgement path (it reads the branch's whole queue; the duplicate check seeks
    // with #sameTip / #sameRevision): served by the partial index builds_unfinished.
    this.#unfinishedOf = db.prepare<[string, string], BuildRow>(
      "SELECT * FROM builds WHERE repo = ? AND branch = ? AND status IN ('queued', 'running') ORDER BY id",
    );
    // On the acknowledgement path (queue limits): two primary-key reads of the counts the
    // triggers of migration 9 keep, never a count of the queued rows (that grew with the queue).
    this.#countQueued = db.prepare<[string], { total: number | null; mine: number | null }>(
      `SELECT (SELECT n FROM queue_counts WHERE scope = 'total') AS total,
              (SELECT n FROM queue_counts WHERE scope = 'user:' || ?) AS mine`,
    );
    // The status of the branch's latest earlier build among its last VERDICT_LOOKBACK (index
    // builds_repo_branch, read backwards): one row, whatever the history, and no steps.
    this.#previousVerdict = db.prepare<[string, string, number, number], { status: BuildStatus }>(
      `SELECT status FROM (
         SELECT status, id FROM builds WHERE repo = ? AND branch = ? AND id < ? AND kind = 'build'
           ORDER BY id DESC LIMIT ?
       ) WHERE status IN ('succeeded', 'failed', 'timed_out') ORDER BY id DESC LIMIT 1`,
    );
    this.#sameUnfinished = new SameUnfinishedQuery(db);
    this.#heads = new SqliteBranchHeads(db);
    this.#oldestQueued = db.prepare<[], { created_at: number }>(
      "SELECT created_at FROM builds WHERE status = 'queued' ORDER BY id LIMIT 1",
    );
  }

  newestSameUnfinished(wanted: {
    readonly repo: string;
    readonly branch: string;
    readonly revision: string | null;
  }): Build[] {
    return this.#withSteps(this.#sameUnfinished.rows(wanted));
  }

  /**
   * The queue's depth and its oldest build's creation time, for /metrics and `/build health`: the
   * count the triggers keep, and the first row of builds_status (ordered by id within a status), so
   * a scrape costs the same at any depth (it used to read every unfinished build with its steps).
   */
  queueSummary(): { readonly depth: number; readonly oldestCreatedAt: number | null } {
    const depth = this.#countQueued.get("")?.total ?? 0;
    return { depth, oldestCreatedAt: depth > 0 ? (this.#oldestQueued.get()?.created_at ?? null) : null };
  }

  previousVerdict(build: Pick<Build, "repo" | "branch" | "id">): Pick<Build, "status"> | undefined {
    return this.#previousVerdict.get(build.repo, build.branch, build.id, VERDICT_LOOKBACK);
  }

  branchHeads(repo: string, limit: number, beforeId?: number): BranchHead[] {
    return this.#heads.recent(repo, limit, beforeId);
  }

  branchHead(repo: string, branch: string): BranchHead | undefined {
    return this.#heads.of(repo, branch);
  }

  countQueued(requesterId: string): { readonly total: number; readonly mine: number } {
    const row = this.#countQueued.get(requesterId);
    return { total: row?.total ?? 0, mine: row?.mine ?? 0 };
  }

  create(build: NewBuild): Build {
    // One statement in autocommit: the acknowledgement's only write. `run()` steps the INSERT to
    // its end, so a failed commit (a full disk) throws here and no build is announced that was
    // never stored; and the stored row is known without reading it back (RETURNING plus an
    // explicit BEGIN/COMMIT cost about a fifth more CPU per acknowledgement, measured).
    const trigger = build.trigger ?? null;
    const kind = build.kind ?? "build";
    const environment = build.environment ?? null;
    const values = { ...build, trigger: trigger ? JSON.stringify(trigger) : null, kind, environment };
    const { lastInsertRowid } = this.#guard.run(() => this.#insert.run(values));
    this.#numbers?.record(Number(lastInsertRowid));
    return {
      id: Number(lastInsertRowid),
      repo: build.repo,
      branch: build.branch,
      requestedRevision: build.requestedRevision,
      sha: null,
      requester: build.requester,
      requesterId: build.requesterId,
      channelId: build.channelId,
      channelName: build.channelName,
      backend: build.backend,
      status: "queued",
      createdAt: build.createdAt,
      startedAt: null,
      finishedAt: null,
      failingStep: null,
      reason: null,
      rebuildOf: build.rebuildOf,
      external: {},
      trigger,
      kind,
      environment,
      steps: [],
    };
  }

  discard(id: number): void {
    this.#db.transaction(() => {
      this.#prepared("DELETE FROM build_steps WHERE build_id = ?").run(id);
      this.#prepared("DELETE FROM builds WHERE id = ?").run(id);
      // AUTOINCREMENT never reuses a number by itself; this one was never shown to anyone, so give
      // it back unless a later build already took the next one (then the gap is harmless).
      this.#db
        .prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'builds' AND seq = ?")
        .run(id - 1, id);
    })();
  }

  get(id: number): Build | undefined {
    const row = this.#byId.get(id);
    if (!row) return undefined;
    const tests = this.tests.read(id);
    return tests ? { ...this.#toBuild(row), tests } : this.#toBuild(row);
  }

  list(filter: BuildFilter = {}): Build[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    for (const key of ["repo", "branch", "status", "requester"] as const) {
      if (filter[key] !== undefined) {
        where.push(`${key} = @${key}`);
        params[key] = filter[key];
      }
    }
    if (filter.beforeId !== undefined) {
      where.push("id < @beforeId");
      params.beforeId = filter.beforeId;
    }
    params.limit = filter.limit ?? 50;
    const sql = `SELECT * FROM builds ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT @limit`;
    let statement = this.#lists.get(sql);
    if (!statement) {
      statement = this.#db.prepare<Record<string, unknown>, BuildRow>(sql);
      this.#lists.set(sql, statement);
    }
    return this.#withSteps(statement.all(params));
  }

  unfinished(where?: { readonly repo: string; readonly branch: string }): Build[] {
    return this.#withSteps(where ? this.#unfinishedOf.all(where.repo, where.branch) : this.#unfinished.all());
  }

  /** Rows to builds, reading the steps of all of them in one query (not one per build). */
  #withSteps(rows: readonly BuildRow[]): Build[] {
    if (rows.length === 0) return [];
    if (rows.length === 1) return [this.#toBuild(rows[0] as BuildRow)];
    const steps = new Map<number, StepRow[]>();
    for (const step of this.#stepsOf.all(JSON.stringify(rows.map((row) => row.id)))) {
      const list = steps.get(step.build_id);
      if (list) list.push(step);
      else steps.set(step.build_id, [step]);
    }
    return rows.map((row) => this.#toBuild(row, steps.get(row.id) ?? []));
  }

  update(id: number, patch: BuildPatch): Build {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    for (const [key, value] of Object.entries(patch) as [keyof BuildPatch, unknown][]) {
      if (value === undefined) continue;
      sets.push(`${PATCH_COLUMNS[key]} = @${key}`);
      params[key] = key === "external" ? JSON.stringify(value) : value;
    }
    if (sets.length > 0) {
      this.#guard.run(() =>
        this.#prepared(`UPDATE builds SET ${sets.join(", ")} WHERE id = @id`).run(params),
      );
    }
    const build = this.get(id);
    if (!build) throw new Error(`build ${id} does not exist`);
    return build;
  }

  setSteps(id: number, names: readonly string[]): void {
    const insert = this.#prepared("INSERT INTO build_steps (build_id, idx, name) VALUES (?, ?, ?)");
    this.#db.transaction(() => {
      this.#prepared("DELETE FROM build_steps WHERE build_id = ?").run(id);
      names.forEach((name, index) => {
        insert.run(id, index, name);
      });
    })();
  }

  updateStep(id: number, index: number, patch: Partial<Omit<Step, "index">>): void {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id, index };
    for (const [key, value] of Object.entries(patch)) {
      const column = STEP_COLUMNS[key];
      if (!column || value === undefined) continue;
      sets.push(`${column} = @${key}`);
      params[key] = value;
    }
    if (sets.length === 0) return;
    const result = this.#prepared(
      `UPDATE build_steps SET ${sets.join(", ")} WHERE build_id = @id AND idx = @index`,
    ).run(params);
    if (result.changes === 0 && typeof patch.name === "string") {
      // Buildbot reports steps as it discovers them; the first report creates the row.
      this.#prepared("INSERT INTO build_steps (build_id, idx, name) VALUES (?, ?, ?)").run(
        id,
        index,
        patch.name,
      );
      this.updateStep(id, index, { ...patch, name: undefined });
    }
  }

  #toBuild(row: BuildRow, steps: readonly StepRow[] = this.#steps.all(row.id)): Build {
    return rowToBuild(row, steps);
  }
}
