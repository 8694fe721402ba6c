import {
  DEPLOY_STATE_WORDS,
  type Decision,
  type Deploy,
  type DeployState,
  type EnvironmentEvent,
  type EnvironmentLock,
} from "../core/deploys/deploy.js";
import type { DeployPatch, DeployStore, NewDeploy } from "../core/deploys/ports.js";
import {
  type DecisionRow,
  type DeployRow,
  type EventRow,
  toDecision,
  toDeploy,
  toEvent,
} from "./deploy-rows.js";
import type { Db } from "./open-database.js";
import { statementCache } from "./statement-cache.js";
import { type StorageGuard, UNGUARDED } from "./storage-guard.js";

const PATCH_COLUMNS: Record<keyof DeployPatch, string> = {
  state: "state",
  reason: "reason",
  supersededBy: "superseded_by",
  previousRevision: "previous_revision",
  commits: "commits",
  announced: "announced",
  revision: "revision",
};

interface LockRow {
  repo: string;
  environment: string;
  holder: string;
  holder_id: string;
  reason: string | null;
  since: number;
  expires_at: number;
}

/**
 * DeployStore on SQLite (tables of store/deploys-migration.ts). Every statement is prepared once and
 * served by an index (test/unit/store/query-plans.test.ts): the admission's reads are seeks on
 * (repo, environment, state, id) and the lock's primary key, whatever the history's length.
 */
export class SqliteDeployStore implements DeployStore {
  readonly #guard: StorageGuard;
  readonly #insert;
  readonly #byBuild;
  readonly #decisionsOf;
  readonly #decide;
  readonly #newestIn;
  readonly #previous;
  readonly #history;
  readonly #open;
  readonly #unannounced;
  readonly #due;
  readonly #lock;
  readonly #setLock;
  readonly #clearLock;
  readonly #lapsed;
  readonly #record;
  readonly #events;
  readonly #updates: ReturnType<typeof statementCache>;

  constructor(db: Db, guard: StorageGuard = UNGUARDED) {
    this.#updates = statementCache(db);
    this.#guard = guard;
    this.#insert = db.prepare(
      `INSERT INTO deploys (build_id, repo, environment, kind, revision, branch, source_build_id, requester,
         requester_id, channel_id, channel_name, state, forced, approvals_needed, previous_revision, created_at, expires_at)
       VALUES (@buildId, @repo, @environment, @kind, @revision, @branch, @sourceBuildId, @requester,
         @requesterId, @channelId, @channelName, @state, @forced, @approvalsNeeded, @previousRevision, @createdAt, @expiresAt)`,
    );
    this.#byBuild = db.prepare<[number], DeployRow>("SELECT * FROM deploys WHERE build_id = ?");
    this.#decisionsOf = db.prepare<[number], DecisionRow>(
      "SELECT * FROM deploy_decisions WHERE deploy_id = ?",
    );
    this.#decide = db.prepare(
      `INSERT INTO deploy_decisions (deploy_id, user_id, user_name, verdict, reason, via, at)
       VALUES (@deployId, @userId, @userName, @verdict, @reason, @via, @at)`,
    );
    // One seek per state (deploys_env_state): an IN list would make SQLite merge and sort them. And
    // one statement per state, its value written in: a bound `state = ?` is matched against the
    // partial indexes' conditions (deploys_open, deploys_expiring), so SQLite recompiled the
    // statement each time a value was bound, which better-sqlite3 does at every call (five times
    // the seek's cost, measured). The states are slashbuild's own words, never input.
    this.#newestIn = new Map(
      (Object.keys(DEPLOY_STATE_WORDS) as DeployState[]).map((state) => [
        state,
        db.prepare<[string, string], DeployRow>(
          `SELECT * FROM deploys WHERE repo = ? AND environment = ? AND state = '${state}' ORDER BY id DESC LIMIT 1`,
        ),
      ]),
    );
    this.#previous = db.prepare<[string, string, number, string], DeployRow>(
      `SELECT * FROM deploys WHERE repo = ? AND environment = ? AND state = 'succeeded' AND id < ?
         AND revision != ? ORDER BY id DESC LIMIT 1`,
    );
    this.#history = db.prepare<[string, string, number], DeployRow>(
      "SELECT * FROM deploys WHERE repo = ? AND environment = ? ORDER BY id DESC LIMIT ?",
    );
    this.#open = db.prepare<[], DeployRow>(
      `SELECT * FROM deploys WHERE state IN ('awaiting_approval', 'queued', 'deploying') ORDER BY id`,
    );
    this.#unannounced = db.prepare<[], DeployRow>("SELECT * FROM deploys WHERE announced = 0 ORDER BY id");
    this.#due = db.prepare<[number, number], DeployRow>(
      `SELECT * FROM deploys WHERE state = 'awaiting_approval' AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
    );
    this.#lock = db.prepare<[string, string], LockRow>(
      "SELECT * FROM deploy_locks WHERE repo = ? AND environment = ?",
    );
    this.#setLock = db.prepare(
      `INSERT INTO deploy_locks (repo, environment, holder, holder_id, reason, since, expires_at)
       VALUES (@repo, @environment, @holder, @holderId, @reason, @since, @expiresAt)
       ON CONFLICT (repo, environment) DO UPDATE SET holder = excluded.holder, holder_id = excluded.holder_id,
         reason = excluded.reason, since = excluded.since, expires_at = excluded.expires_at`,
    );
    this.#clearLock = db.prepare<[string, string]>(
      "DELETE FROM deploy_locks WHERE repo = ? AND environment = ?",
    );
    this.#lapsed = db.prepare<[number, number], LockRow>(
      "SELECT * FROM deploy_locks WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",
    );
    this.#record = db.prepare(
      `INSERT INTO deploy_events (repo, environment, kind, actor, actor_id, holder, detail, at)
       VALUES (@repo, @environment, @kind, @actor, @actorId, @holder, @detail, @at)`,
    );
    this.#events = db.prepare<[string, string, number], EventRow>(
      "SELECT * FROM deploy_events WHERE repo = ? AND environment = ? ORDER BY id DESC LIMIT ?",
    );
  }

  create(deploy: NewDeploy): Deploy {
    const forced = deploy.forced === null ? null : JSON.stringify(deploy.forced);
    this.#guard.run(() => this.#insert.run({ ...deploy, forced }));
    return this.#must(deploy.buildId);
  }

  get(buildId: number): Deploy | undefined {
    const row = this.#byBuild.get(buildId);
    return row ? this.#toDeploy(row) : undefined;
  }

  update(buildId: number, patch: DeployPatch): Deploy {
    const sets: string[] = [];
    const params: Record<string, unknown> = { buildId };
    for (const [key, value] of Object.entries(patch) as [keyof DeployPatch, unknown][]) {
      if (value === undefined) continue;
      sets.push(`${PATCH_COLUMNS[key]} = @${key}`);
      params[key] = key === "commits" ? JSON.stringify(value) : key === "announced" ? (value ? 1 : 0) : value;
    }
    if (sets.length > 0) {
      const sql = `UPDATE deploys SET ${sets.join(", ")} WHERE build_id = @buildId`;
      const statement = this.#updates(sql);
      this.#guard.run(() => statement.run(params));
    }
    return this.#must(buildId);
  }

  decide(buildId: number, decision: Decision): void {
    const deploy = this.#byBuild.get(buildId);
    if (!deploy) throw new Error(`deploy #${buildId} does not exist`);
    this.#guard.run(() => this.#decide.run({ ...decision, deployId: deploy.id }));
  }

  newest(repo: string, environment: string, states: readonly DeployState[]): Deploy | undefined {
    let newest: DeployRow | undefined;
    for (const state of states) {
      const row = this.#newestIn.get(state)?.get(repo, environment);
      if (row && (!newest || row.id > newest.id)) newest = row;
    }
    return newest ? this.#toDeploy(newest) : undefined;
  }

  previousSucceeded(before: Deploy): Deploy | undefined {
    const id = this.#byBuild.get(before.buildId)?.id;
    if (id === undefined) return undefined;
    const row = this.#previous.get(before.repo, before.environment, id, before.revision);
    return row ? this.#toDeploy(row) : undefined;
  }

  history(repo: string, environment: string, limit: number): Deploy[] {
    return this.#history.all(repo, environment, limit).map((row) => this.#toDeploy(row));
  }

  open(): Deploy[] {
    return this.#open.all().map((row) => this.#toDeploy(row));
  }

  unannounced(): Deploy[] {
    return this.#unannounced.all().map((row) => this.#toDeploy(row));
  }

  dueExpiries(now: number, limit: number): Deploy[] {
    return this.#due.all(now, limit).map((row) => this.#toDeploy(row));
  }

  lock(repo: string, environment: string): EnvironmentLock | undefined {
    const row = this.#lock.get(repo, environment);
    return row ? toLock(row) : undefined;
  }

  setLock(lock: EnvironmentLock): void {
    this.#guard.run(() => this.#setLock.run(lock));
  }

  clearLock(repo: string, environment: string): void {
    this.#guard.run(() => this.#clearLock.run(repo, environment));
  }

  lapsedLocks(now: number, limit: number): EnvironmentLock[] {
    return this.#lapsed.all(now, limit).map(toLock);
  }

  record(event: EnvironmentEvent): void {
    this.#guard.run(() => this.#record.run(event));
  }

  events(repo: string, environment: string, limit: number): EnvironmentEvent[] {
    return this.#events.all(repo, environment, limit).map(toEvent);
  }

  #toDeploy(row: DeployRow): Deploy {
    // A handful per deploy (one per person), in the order they were made.
    const decisions = this.#decisionsOf.all(row.id).map(toDecision);
    return toDeploy(
      row,
      decisions.sort((a, b) => a.at - b.at),
    );
  }

  #must(buildId: number): Deploy {
    const deploy = this.get(buildId);
    if (!deploy) throw new Error(`deploy #${buildId} does not exist`);
    return deploy;
  }
}

function toLock(row: LockRow): EnvironmentLock {
  return {
    repo: row.repo,
    environment: row.environment,
    holder: row.holder,
    holderId: row.holder_id,
    reason: row.reason,
    since: row.since,
    expiresAt: row.expires_at,
  };
}
