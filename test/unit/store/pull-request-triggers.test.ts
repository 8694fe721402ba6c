import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../src/store/migrations.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";

/**
 * A pull request trigger carries its host's head ref and words (migration 12). Builds an older
 * slashbuild stored have only the number and the host's name: after the upgrade Buildbot fetches
 * the same ref and chat says the same words as before.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("pull request triggers stored before each host said its own refs and words", () => {
  it("are given what GitHub, Gitea and GitLab said then; pushes and typed builds are left alone", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-prt-"));
    dirs.push(dir);
    const file = path.join(dir, "slashbuild.db");
    const old = new Database(file);
    for (const [version, sql] of MIGRATIONS.slice(0, 11).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${version + 1}`);
    }
    const insert = old.prepare(
      `INSERT INTO builds (repo, branch, requester, requester_id, channel_id, channel_name, backend, status, created_at, trigger)
       VALUES ('app', ?, 'x', 'x', '', '', 'local', 'queued', 1, ?)`,
    );
    const pull = (forge: string, number: number) =>
      JSON.stringify({
        kind: "pull_request",
        forge,
        number,
        title: "t",
        url: null,
        author: "a",
        fork: false,
      });
    const push = JSON.stringify({
      kind: "push",
      forge: "github",
      pusher: "p",
      pusherLogin: null,
      commits: [],
    });
    insert.run("pull/7", pull("github", 7));
    insert.run("pull/8", pull("gitea", 8));
    insert.run("pull/9", pull("gitlab", 9));
    insert.run("main", push);
    insert.run("main", null);
    old.close();

    const db = openDatabase(file);
    const store = new SqliteBuildStore(db);
    const triggers = [1, 2, 3, 4, 5].map((id) => store.get(id)?.trigger ?? null);
    expect(triggers.slice(0, 3)).toEqual([
      expect.objectContaining({ headRef: "refs/pull/7/head", noun: "Pull request", reference: "#7" }),
      expect.objectContaining({ headRef: "refs/pull/8/head", noun: "Pull request", reference: "#8" }),
      expect.objectContaining({
        headRef: "refs/merge-requests/9/head",
        noun: "Merge request",
        reference: "!9",
      }),
    ]);
    expect(triggers[3]).toEqual(JSON.parse(push));
    expect(triggers[4]).toBeNull();
    db.close();
  });
});
