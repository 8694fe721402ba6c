import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../src/store/migrations.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteDeployStore } from "../../../src/store/sqlite-deploy-store.js";

/**
 * Migration 18: a superseded deploy names the request that replaced it in a column. Deploys an
 * older slashbuild superseded said it only in their reason's words: after the upgrade they name
 * it too (their announcement links to it), and nothing else gains a number.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("deploys superseded before the superseded_by column", () => {
  it("name the request their reason names; a newer push's, a rejection's or a running one's name none", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-superseded-by-"));
    dirs.push(dir);
    const file = path.join(dir, "slashbuild.db");
    const old = new Database(file);
    for (const [version, sql] of MIGRATIONS.slice(0, 17).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${version + 1}`);
    }
    const build = old.prepare(
      `INSERT INTO builds (repo, branch, requester, requester_id, channel_id, channel_name, backend, status, created_at, kind, environment)
       VALUES ('app', 'main', 'alice', 'uid-alice', 'chan-ci', 'ci', 'local', ?, 1, 'deploy', 'production')`,
    );
    const deploy = old.prepare(
      `INSERT INTO deploys (build_id, repo, environment, kind, revision, branch, requester, requester_id,
         channel_id, channel_name, state, approvals_needed, reason, created_at)
       VALUES (?, 'app', 'production', 'deploy', 'abc', 'main', 'alice', 'uid-alice', 'chan-ci', 'ci', ?, 1, ?, 1)`,
    );
    const add = (state: string, reason: string | null): number => {
      const id = Number(build.run(state === "awaiting_approval" ? "queued" : "cancelled").lastInsertRowid);
      deploy.run(id, state, reason);
      return id;
    };
    const byRequest = add("superseded", "superseded by #12");
    const byPush = add("superseded", "superseded by build #9 of a newer push");
    const rejected = add("rejected", "rejected by @bob: superseded by #4 says the note");
    const waiting = add("awaiting_approval", null);
    old.close();

    const store = new SqliteDeployStore(openDatabase(file));
    expect(store.get(byRequest)).toMatchObject({ state: "superseded", supersededBy: 12 });
    expect(store.get(byPush)?.supersededBy).toBeNull();
    expect(store.get(rejected)?.supersededBy).toBeNull();
    expect(store.get(waiting)?.supersededBy).toBeNull();
  });
});
