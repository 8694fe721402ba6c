import { describe, expect, it } from "vitest";
import type { Deploy } from "../../../src/core/deploys/deploy.js";
import type { Db } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { SqliteDeployStore } from "../../../src/store/sqlite-deploy-store.js";
import { SqliteGreenBuilds } from "../../../src/store/sqlite-green-builds.js";
import { boundPartialIndexColumns, explain, recordingDb } from "../../helpers/query-plans.js";

/**
 * Issue 20: answering `/build deploy` costs the same at 100k builds and 10k deploys. As in
 * query-plans.test.ts, every statement the deploy stores prepare is asked for its plan: none reads a
 * whole table or sorts the history; and the reads on the way to an answer (the newest green build
 * of a branch or a commit, the environment's current, running and waiting deploys, its lock) are
 * each one seek in the index made for it, never a walk of the branch's builds or the environment's
 * history.
 */

function exercise(db: Db): void {
  const builds = new SqliteBuildStore(db);
  const store = new SqliteDeployStore(db);
  const green = new SqliteGreenBuilds(db, builds);
  green.newest("app", "main");
  green.ofRevision("app", "abc1234", 20);
  const build = builds.create({
    repo: "app",
    branch: "main",
    requestedRevision: "a".repeat(40),
    requester: "alice",
    requesterId: "uid-alice",
    channelId: "c",
    channelName: "ci",
    backend: "local",
    rebuildOf: null,
    createdAt: 1,
    kind: "deploy",
    environment: "production",
  });
  const deploy: Deploy = store.create({
    buildId: build.id,
    repo: "app",
    environment: "production",
    kind: "deploy",
    revision: "a".repeat(40),
    branch: "main",
    sourceBuildId: null,
    requester: "alice",
    requesterId: "uid-alice",
    channelId: "c",
    channelName: "ci",
    state: "awaiting_approval",
    forced: null,
    approvalsNeeded: 1,
    previousRevision: null,
    createdAt: 1,
    expiresAt: 2,
  });
  store.get(build.id);
  store.decide(build.id, {
    userId: "uid-bob",
    userName: "bob",
    verdict: "approved",
    reason: null,
    via: "command",
    at: 2,
  });
  store.update(build.id, { state: "queued" });
  store.update(build.id, {
    commits: { commits: [], total: 0, compareUrl: null, note: null },
    announced: true,
  });
  store.newest("app", "production", ["awaiting_approval", "queued", "deploying", "succeeded"]);
  store.previousSucceeded(deploy);
  store.history("app", "production", 10);
  store.open();
  store.unannounced();
  store.dueExpiries(5, 100);
  store.setLock({
    repo: "app",
    environment: "production",
    holder: "bob",
    holderId: "uid-bob",
    reason: null,
    since: 1,
    expiresAt: 9,
  });
  store.lock("app", "production");
  store.lapsedLocks(10, 100);
  store.clearLock("app", "production");
  store.record({
    repo: "app",
    environment: "production",
    kind: "locked",
    actor: "bob",
    actorId: "uid-bob",
    holder: "bob",
    detail: null,
    at: 1,
  });
  store.events("app", "production", 10);
  // The trigger that makes a deploy's end follow its build's.
  builds.update(build.id, { status: "succeeded", finishedAt: 3 });
}

describe("deploy query plans", () => {
  it("every deploy statement is served by an index: no full scan, no sort of the history", () => {
    const { db, statements } = recordingDb();
    exercise(db);
    const queries = [...statements].filter(
      (sql) => /^(SELECT|UPDATE|DELETE)/i.test(sql) && /deploy|green|kind = 'build'/.test(sql),
    );
    expect(queries.length).toBeGreaterThan(15);
    const problems: string[] = [];
    for (const sql of queries) {
      for (const step of explain(db, sql)) {
        // A scan of a partial index of unannounced deploys reads what a crash left, never the history.
        const fullScan =
          /^SCAN (builds|deploys|deploy_decisions|deploy_locks|deploy_events)\b/.test(step) &&
          !/USING (COVERING )?INDEX deploys_unannounced$/.test(step);
        // Recovery's read of every open deploy goes through a partial index that holds open ones only.
        const sortAll =
          /USE TEMP B-TREE/.test(step) &&
          !/state IN \('awaiting_approval', 'queued', 'deploying'\)/.test(sql);
        if (fullScan || sortAll) problems.push(`${sql}\n    → ${step}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("the admission's reads are each one seek in their own index", () => {
    const { db, statements } = recordingDb();
    exercise(db);
    const plan = (pattern: RegExp) => {
      const sql = [...statements].find((s) => pattern.test(s));
      if (!sql) throw new Error(`no statement matches ${pattern}`);
      return explain(db, sql).join(" | ");
    };
    expect(plan(/^SELECT id FROM builds WHERE repo = \? AND branch = \?/)).toMatch(
      /^SEARCH builds USING (COVERING )?INDEX builds_green \(repo=\? AND branch=\?\)$/,
    );
    // Its LIMIT is written in: bound, it made SQLite recompile the statement at every call.
    expect([...statements].find((sql) => /sha >= @from/.test(sql))).toMatch(/ LIMIT \d+$/);
    expect(plan(/^SELECT id FROM builds WHERE repo = @repo AND sha >= @from/)).toMatch(
      /^SEARCH builds USING (COVERING )?INDEX builds_green_sha \(repo=\? AND sha>\? AND sha<\?\)/,
    );
    for (const state of ["awaiting_approval", "queued", "deploying", "succeeded"]) {
      expect(
        plan(
          new RegExp(
            `^SELECT \\* FROM deploys WHERE repo = \\? AND environment = \\? AND state = '${state}'`,
          ),
        ),
      ).toBe("SEARCH deploys USING INDEX deploys_env_state (repo=? AND environment=? AND state=?)");
    }
    expect(plan(/^SELECT \* FROM deploy_locks WHERE repo = \? AND environment = \?$/)).toMatch(
      /USING INDEX sqlite_autoindex_deploy_locks_1 \(repo=\? AND environment=\?\)/,
    );
    expect(plan(/^SELECT \* FROM deploys WHERE build_id = \?$/)).toMatch(
      /USING INDEX sqlite_autoindex_deploys_1 \(build_id=\?\)/,
    );
  });

  it("no read binds a value to a column a partial index's condition names: SQLite recompiles such a statement at each call", () => {
    // SQLite matches a bound value against a partial index's WHERE to see whether the index may
    // serve the query, and so recompiles the statement whenever a value is bound: at every call
    // through better-sqlite3. The seek for an environment's waiting deploy cost five times its work.
    const { db, statements } = recordingDb();
    exercise(db);
    const bound = boundPartialIndexColumns(db, [...statements]);
    expect(bound).toEqual([]);
    // Not vacuous: the statement the deploy store used to prepare is caught.
    expect(
      boundPartialIndexColumns(db, [
        "SELECT * FROM deploys WHERE repo = ? AND environment = ? AND state = ? ORDER BY id DESC LIMIT 1",
      ]),
    ).toEqual([
      "deploys.state: SELECT * FROM deploys WHERE repo = ? AND environment = ? AND state = ? ORDER BY id DESC LIMIT 1",
    ]);
  });

  it("the rule is not vacuous: the newest green build read through the branch's history is refused", () => {
    const { db } = recordingDb();
    const walk = explain(
      db,
      "SELECT id FROM builds INDEXED BY builds_repo_branch WHERE repo = ? AND branch = ? AND status = 'succeeded' ORDER BY id DESC LIMIT 1",
    ).join(" | ");
    expect(walk).not.toMatch(/builds_green/);
    expect(
      explain(db, "SELECT * FROM deploys WHERE reason = ?").some((step) => /^SCAN deploys\b/.test(step)),
    ).toBe(true);
  });
});
