import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { BuildStatus } from "../../../src/core/build.js";
import { MIGRATIONS } from "../../../src/store/migrations.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { SqliteRetention } from "../../../src/store/sqlite-retention.js";
import { makeNewBuild } from "../../fakes/make-build.js";

/**
 * The repo overview and the badges read each branch's newest build and newest verdict from
 * branch_heads, which triggers keep (migration 17). These tests hold the table to the truth (the
 * same answer computed the slow way from builds) through every way builds are written: created,
 * finished in any order, discarded, pruned by retention, seeded straight into SQLite, and a
 * database that had a history before the migration.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const VERDICTS = "('succeeded', 'failed', 'timed_out')";

/** The truth, the slow way: a GROUP BY over every build, ordered by verdict, else first build. */
function truth(db: Db, repo: string): { branch: string; latest: number; verdict: number | null }[] {
  return db
    .prepare(
      `SELECT branch, latest, verdict FROM (
         SELECT branch, MAX(id) AS latest, MIN(id) AS first,
           MAX(CASE WHEN status IN ${VERDICTS} THEN id END) AS verdict
         FROM builds WHERE repo = ? GROUP BY branch)
       ORDER BY IFNULL(verdict, first) DESC`,
    )
    .all(repo) as { branch: string; latest: number; verdict: number | null }[];
}

function heads(store: SqliteBuildStore, repo: string) {
  return store
    .branchHeads(repo, 1000)
    .map((h) => ({ branch: h.branch, latest: h.latest.id, verdict: h.verdict?.id ?? null }));
}

describe("branch heads", () => {
  it("count builds only: a failed deploy of a branch's commit is no verdict of the branch (its badge stays green)", () => {
    const store = new SqliteBuildStore(openDatabase(":memory:"));
    const passed = store.create(makeNewBuild({ branch: "main" }));
    store.update(passed.id, { status: "succeeded", finishedAt: 2000 });
    const deploy = store.create(makeNewBuild({ branch: "main", kind: "deploy", environment: "production" }));
    store.update(deploy.id, { status: "failed", finishedAt: 3000 });
    expect(store.branchHead("app", "main")?.verdict?.id).toBe(passed.id);
    // Only a deploy of a branch never built: no branch listed for it.
    const lone = store.create(makeNewBuild({ branch: "release/1", kind: "deploy", environment: "staging" }));
    store.update(lone.id, { status: "succeeded", finishedAt: 4000 });
    expect(store.branchHead("app", "release/1")).toBeUndefined();
  });

  it("list a repo's branches by their newest verdict (else their first build), each with its newest build", () => {
    const store = new SqliteBuildStore(openDatabase(":memory:"));
    const finish = (branch: string, status: BuildStatus, repo = "app") => {
      const build = store.create(makeNewBuild({ branch, repo }));
      store.update(build.id, { status, finishedAt: 2000 });
      return build;
    };
    const mainPassed = finish("main", "succeeded");
    const devFailed = finish("dev", "failed");
    finish("main", "succeeded", "other-repo");
    const mainCancelled = finish("main", "cancelled");
    const mainRunning = store.create(makeNewBuild({ branch: "main" }));
    store.update(mainRunning.id, { status: "running" });
    const fresh = store.create(makeNewBuild({ branch: "feature/x" }));

    const found = store.branchHeads("app", 10);
    // main's newer builds (cancelled, running) have no verdict: main stays behind dev's verdict.
    expect(found.map((h) => [h.branch, h.latest.id, h.verdict?.id ?? null])).toEqual([
      ["feature/x", fresh.id, null],
      ["dev", devFailed.id, devFailed.id],
      ["main", mainRunning.id, mainPassed.id],
    ]);
    // Whole builds: the overview shows their status, commit and times.
    expect(found[2]?.latest.status).toBe("running");
    expect(found[2]?.verdict?.status).toBe("succeeded");
    expect(mainCancelled.id).toBeLessThan(mainRunning.id);
    // A page: the newest verdicts first; main's running build moves it up once it has one.
    expect(store.branchHeads("app", 2).map((h) => h.branch)).toEqual(["feature/x", "dev"]);
    store.update(mainRunning.id, { status: "failed" });
    expect(store.branchHeads("app", 3).map((h) => h.branch)).toEqual(["feature/x", "main", "dev"]);
    // Pages from a marker: the branches listed after the one with that recentId.
    const all = store.branchHeads("app", 10);
    expect(store.branchHeads("app", 10, all[0]?.recentId).map((h) => h.branch)).toEqual(["main", "dev"]);
    expect(store.branchHeads("app", 10, all[2]?.recentId)).toEqual([]);
    expect(store.branchHead("app", "dev")?.verdict?.status).toBe("failed");
    expect(store.branchHead("app", "nope")).toBeUndefined();
    expect(store.branchHead("nope", "main")).toBeUndefined();
  });

  it("the newest verdict is the newest build's, even when an older build finishes later", () => {
    const store = new SqliteBuildStore(openDatabase(":memory:"));
    const older = store.create(makeNewBuild());
    const newer = store.create(makeNewBuild());
    store.update(newer.id, { status: "failed", finishedAt: 2000 });
    store.update(older.id, { status: "succeeded", finishedAt: 3000 });
    expect(store.branchHead("app", "main")?.verdict?.id).toBe(newer.id);
    // Cancelled and interrupted builds are no verdict; timed out is.
    const cancelled = store.create(makeNewBuild());
    store.update(cancelled.id, { status: "cancelled" });
    expect(store.branchHead("app", "main")?.verdict?.id).toBe(newer.id);
    const timedOut = store.create(makeNewBuild());
    store.update(timedOut.id, { status: "timed_out" });
    expect(store.branchHead("app", "main")?.verdict?.status).toBe("timed_out");
  });

  it("stay true through discards and retention, down to a branch with no builds left", () => {
    const db = openDatabase(":memory:");
    const store = new SqliteBuildStore(db);
    const retention = new SqliteRetention(db);
    for (let n = 0; n < 6; n++) {
      const build = store.create(makeNewBuild({ branch: n < 3 ? "old" : "main" }));
      store.update(build.id, { status: n % 2 === 0 ? "succeeded" : "failed" });
    }
    const refused = store.create(makeNewBuild({ branch: "main" }));
    store.discard(refused.id);
    expect(heads(store, "app")).toEqual(truth(db, "app"));
    expect(store.branchHead("app", "main")?.latest.id).toBe(6);
    // Keep the newest 2: branch "old" loses every build and leaves the overview.
    while (retention.pruneBuilds("app", 2, 1).length > 0);
    expect(heads(store, "app")).toEqual(truth(db, "app"));
    expect(heads(store, "app").map((h) => h.branch)).toEqual(["main"]);
    // The branch's newest verdict pruned (only a running build newer): the next older one, or none.
    const running = store.create(makeNewBuild());
    store.update(running.id, { status: "running" });
    db.prepare("DELETE FROM builds WHERE id = 6").run();
    expect(heads(store, "app")).toEqual([{ branch: "main", latest: running.id, verdict: 5 }]);
    db.prepare("DELETE FROM builds WHERE id = 5").run();
    expect(heads(store, "app")).toEqual([{ branch: "main", latest: running.id, verdict: null }]);
  });

  it("match the slow answer after a long random mix of writes", () => {
    const db = openDatabase(":memory:");
    const store = new SqliteBuildStore(db);
    const retention = new SqliteRetention(db);
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed >>> 16) % n;
    };
    const statuses: BuildStatus[] = [
      "running",
      "succeeded",
      "failed",
      "timed_out",
      "cancelled",
      "interrupted",
    ];
    const existing = db.prepare("SELECT id FROM builds ORDER BY id").pluck();
    let justCreated: number | null = null;
    for (let step = 0; step < 2000; step++) {
      const pick = random(10);
      const ids = existing.all() as number[];
      const created = justCreated;
      justCreated = null;
      if (pick < 4 || ids.length === 0) {
        const repo = ["app", "lib"][random(2)] as string;
        justCreated = store.create(makeNewBuild({ repo, branch: `b${random(6)}` })).id;
      } else if (pick < 8) {
        store.update(ids[random(ids.length)] as number, { status: statuses[random(statuses.length)] });
      } else if (pick < 9 || created === null) {
        retention.pruneBuilds(random(2) === 0 ? "app" : "lib", 20, 3);
      } else {
        // A refused request: the build just stored is forgotten.
        store.discard(created);
      }
      if (step % 100 === 99)
        for (const repo of ["app", "lib"]) expect(heads(store, repo)).toEqual(truth(db, repo));
    }
    for (const repo of ["app", "lib"]) {
      expect(truth(db, repo).length).toBeGreaterThan(2);
      expect(heads(store, repo)).toEqual(truth(db, repo));
    }
  });

  it("are built from the history a database had before the migration, and from rows written straight into SQLite", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-heads-"));
    dirs.push(dir);
    const file = path.join(dir, "slashbuild.db");
    const before = new Database(file);
    for (const migration of MIGRATIONS.slice(0, 16)) before.exec(migration);
    before.pragma("user_version = 16");
    const insert = before.prepare(
      `INSERT INTO builds (repo, branch, requester, requester_id, channel_id, channel_name, backend, status, created_at)
         VALUES ('app', ?, 'a', 'a', 'c', 'ci', 'local', ?, 1)`,
    );
    for (const [branch, status] of [
      ["main", "failed"],
      ["main", "succeeded"],
      ["dev", "timed_out"],
      ["main", "cancelled"],
      ["dev", "queued"],
    ])
      insert.run(branch, status);
    before.close();

    const db = openDatabase(file);
    const store = new SqliteBuildStore(db);
    expect(heads(store, "app")).toEqual([
      { branch: "dev", latest: 5, verdict: 3 },
      { branch: "main", latest: 4, verdict: 2 },
    ]);
    // A seeded row (the benchmark writes finished builds straight into SQLite) counts at once.
    db.prepare(
      `INSERT INTO builds (repo, branch, requester, requester_id, channel_id, channel_name, backend, status, created_at)
         VALUES ('app', 'main', 'a', 'a', 'c', 'ci', 'local', 'failed', 1)`,
    ).run();
    expect(heads(store, "app")).toEqual(truth(db, "app"));
    expect(store.branchHead("app", "main")?.verdict?.id).toBe(6);
    db.close();
  });
});
