import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { NewBuild } from "../../../src/core/ports.js";
import { MIGRATIONS } from "../../../src/store/migrations.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { SqliteRetention } from "../../../src/store/sqlite-retention.js";

/**
 * The queue bounds read counts that triggers keep (migration 9) instead of counting queued rows on
 * every acknowledgement. These tests hold the counts to the truth: every way a build enters or
 * leaves `queued`, a rolled-back change, a restart, and a database that already had a queue.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-qc-"));
  dirs.push(dir);
  return path.join(dir, "slashbuild.db");
}

function newBuild(requesterId: string, repo = "app"): NewBuild {
  return {
    repo,
    branch: "main",
    requestedRevision: null,
    requester: requesterId,
    requesterId,
    channelId: "c",
    channelName: "ci",
    backend: "local",
    rebuildOf: null,
    createdAt: 1000,
  };
}

/** The truth, counted the slow way. */
function counted(db: Database.Database, requesterId: string): { total: number; mine: number } {
  const row = db
    .prepare(
      "SELECT COUNT(*) AS total, COALESCE(SUM(requester_id = ?), 0) AS mine FROM builds WHERE status = 'queued'",
    )
    .get(requesterId) as { total: number; mine: number };
  return { total: row.total, mine: row.mine };
}

describe("queued build counts", () => {
  it("follow every way into and out of the queue, per requester and in all", () => {
    const db = openDatabase(":memory:");
    const store = new SqliteBuildStore(db);
    expect(store.countQueued("alice")).toEqual({ total: 0, mine: 0 });
    const a1 = store.create(newBuild("alice"));
    const a2 = store.create(newBuild("alice"));
    const a3 = store.create(newBuild("alice"));
    const b1 = store.create(newBuild("bob"));
    expect(store.countQueued("alice")).toEqual({ total: 4, mine: 3 });
    expect(store.countQueued("bob")).toEqual({ total: 4, mine: 1 });
    expect(store.countQueued("carol")).toEqual({ total: 4, mine: 0 });

    store.update(a1.id, { status: "running", startedAt: 2 }); // started
    store.update(a1.id, { status: "succeeded", finishedAt: 3 }); // running → final: no change
    store.update(a2.id, { status: "cancelled", finishedAt: 3 }); // stopped before it started
    store.discard(b1.id); // the backend refused it
    expect(store.countQueued("alice")).toEqual({ total: 1, mine: 1 });
    expect(store.countQueued("bob")).toEqual({ total: 1, mine: 0 });
    store.update(a3.id, { sha: "a".repeat(40) }); // not a status change
    expect(store.countQueued("alice")).toEqual(counted(db, "alice"));
    store.update(a2.id, { status: "queued" }); // back into the queue (no path does this today)
    expect(store.countQueued("alice")).toEqual({ total: 2, mine: 2 });
    expect(store.countQueued("alice")).toEqual(counted(db, "alice"));
  });

  it("give the queue's depth and its oldest build without reading the queue", () => {
    const db = openDatabase(":memory:");
    const store = new SqliteBuildStore(db);
    expect(store.queueSummary()).toEqual({ depth: 0, oldestCreatedAt: null });
    const first = store.create({ ...newBuild("alice"), createdAt: 500 });
    store.create({ ...newBuild("bob"), createdAt: 700 });
    expect(store.queueSummary()).toEqual({ depth: 2, oldestCreatedAt: 500 });
    store.update(first.id, { status: "running", startedAt: 800 });
    expect(store.queueSummary()).toEqual({ depth: 1, oldestCreatedAt: 700 });
  });

  it("count rows written by anyone: a direct INSERT, retention's DELETE", () => {
    const db = openDatabase(":memory:");
    const store = new SqliteBuildStore(db);
    db.prepare(
      `INSERT INTO builds (repo, branch, requester, requester_id, channel_id, channel_name, backend, status, created_at)
       VALUES ('app', 'main', 'x', 'carol', 'c', 'ci', 'local', 'queued', 1)`,
    ).run();
    expect(store.countQueued("carol")).toEqual({ total: 1, mine: 1 });
    // Retention never deletes a queued build; a finished one leaves the counts alone.
    const done = store.create(newBuild("carol"));
    store.update(done.id, { status: "failed", finishedAt: 2 });
    for (let i = 0; i < 3; i++) store.create(newBuild("carol", "other"));
    new SqliteRetention(db).pruneBuilds("app", 1, 10);
    expect(store.countQueued("carol")).toEqual(counted(db, "carol"));
    expect(store.countQueued("carol")).toEqual({ total: 4, mine: 4 });
  });

  it("roll back with the change that caused them (a failed transaction counts nothing)", () => {
    const db = openDatabase(":memory:");
    const store = new SqliteBuildStore(db);
    const kept = store.create(newBuild("alice"));
    expect(() =>
      db.transaction(() => {
        store.create(newBuild("alice"));
        store.update(kept.id, { status: "running" });
        throw new Error("disk full, say");
      })(),
    ).toThrow("disk full");
    expect(store.countQueued("alice")).toEqual({ total: 1, mine: 1 });
  });

  it("survive a restart: a reopened database has the same counts", () => {
    const file = tempDb();
    const before = openDatabase(file);
    const store = new SqliteBuildStore(before);
    for (let i = 0; i < 5; i++) store.create(newBuild(i < 3 ? "alice" : "bob"));
    before.close();
    const after = openDatabase(file);
    expect(new SqliteBuildStore(after).countQueued("alice")).toEqual({ total: 5, mine: 3 });
    after.close();
  });

  it("are seeded by the migration from a queue an older slashbuild left", () => {
    const file = tempDb();
    const old = new Database(file);
    for (const [version, sql] of MIGRATIONS.slice(0, 8).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${version + 1}`);
    }
    const insert = old.prepare(
      `INSERT INTO builds (repo, branch, requester, requester_id, channel_id, channel_name, backend, status, created_at)
       VALUES ('app', 'main', 'x', ?, 'c', 'ci', 'local', ?, 1)`,
    );
    for (const [who, status] of [
      ["alice", "queued"],
      ["alice", "queued"],
      ["alice", "running"],
      ["bob", "queued"],
      ["bob", "succeeded"],
    ] as const)
      insert.run(who, status);
    old.close();
    const db = openDatabase(file);
    const store = new SqliteBuildStore(db);
    expect(store.countQueued("alice")).toEqual({ total: 3, mine: 2 });
    expect(store.countQueued("bob")).toEqual({ total: 3, mine: 1 });
    db.close();
  });
});
