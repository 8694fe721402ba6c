import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/index.js";
import { backupDatabase } from "../../../src/store/backup-database.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { makeNewBuild } from "../../fakes/make-build.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-backup-"));
  dirs.push(dir);
  return dir;
}

function countBuilds(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM builds").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A live database whose last writes are still in the WAL, as while the service runs. */
function liveDatabase(dir: string) {
  const file = path.join(dir, "slashbuild.db");
  const db = openDatabase(file);
  db.pragma("wal_autocheckpoint = 0");
  const store = new SqliteBuildStore(db);
  for (let i = 0; i < 3; i++) {
    store.create(makeNewBuild({ createdAt: 1000 + i }));
  }
  return { file, db };
}

describe("backupDatabase", () => {
  it("copies a running database whole, where a plain file copy misses what is still in the WAL", async () => {
    const dir = tempDir();
    const { file, db } = liveDatabase(dir);
    const naive = path.join(dir, "naive.db");
    copyFileSync(file, naive);
    // The copied main file lacks the WAL's pages: fewer builds, or not even the tables.
    const naiveCount = (() => {
      try {
        return countBuilds(naive);
      } catch {
        return -1;
      }
    })();
    expect(naiveCount).not.toBe(3);

    const copy = path.join(dir, "backup.db");
    await backupDatabase(file, copy);
    expect(countBuilds(copy)).toBe(3);
    db.close();
  });

  it("writes the copy readable by its owner only (0600), whatever the umask: it holds everything the database does", async () => {
    const dir = tempDir();
    const { file, db } = liveDatabase(dir);
    const previous = process.umask(0o022);
    try {
      const copy = path.join(dir, "backup.db");
      await backupDatabase(file, copy);
      expect((statSync(copy).mode & 0o777).toString(8)).toBe("600");
      expect(countBuilds(copy)).toBe(3);
    } finally {
      process.umask(previous);
      db.close();
    }
  });

  it("never overwrites an existing file", async () => {
    const dir = tempDir();
    const { file, db } = liveDatabase(dir);
    await expect(backupDatabase(file, file)).rejects.toThrow("already exists");
    db.close();
  });

  it("is the `slashbuild backup` command, reading data_dir from the config", async () => {
    const dir = tempDir();
    const { db } = liveDatabase(dir);
    const config = path.join(dir, "slashbuild.yaml");
    writeFileSync(
      config,
      `public_url: http://127.0.0.1:1\ndata_dir: ${dir}\nmattermost: {token: backup-token-0123456789}\nrepos: {app: {url: /nowhere, commands: ["true"]}}\n`,
    );
    const sink = new PassThrough();
    let out = "";
    sink.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const io = { out: sink, err: sink };
    const code = await runCli(["backup", "--config", config, path.join(dir, "copy.db")], io);
    expect(out).toContain("backed up");
    expect(code).toBe(0);
    expect(countBuilds(path.join(dir, "copy.db"))).toBe(3);
    db.close();
  });
});
