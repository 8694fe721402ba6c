import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LogFiles } from "../../../src/backends/local/log-files.js";
import { backupDatabase } from "../../../src/store/backup-database.js";
import { BuildNumberMark, keepBuildNumbersAhead } from "../../../src/store/build-number-mark.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { makeNewBuild } from "../../fakes/make-build.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-numbers-"));
  dirs.push(dir);
  return dir;
}

/** The store as app.ts wires it: numbers kept ahead of what data_dir has seen, then recorded. */
function open(dir: string, warnings: string[] = []): { db: Db; store: SqliteBuildStore } {
  const db = openDatabase(path.join(dir, "slashbuild.db"));
  const logger = { warn: (_fields: object, message: string) => warnings.push(message) };
  const mark = keepBuildNumbersAhead(db, dir, new LogFiles(dir).highestBuildId(), logger);
  return { db, store: new SqliteBuildStore(db, undefined, mark) };
}

/** The README's restore: the service stopped, the copy put in place, its -wal and -shm removed. */
function restore(dir: string, backup: string): void {
  const file = path.join(dir, "slashbuild.db");
  for (const extra of ["-wal", "-shm"]) rmSync(`${file}${extra}`, { force: true });
  renameSync(backup, file);
}

/** Issue 22 item 8: build numbers are never reused, and never overwrite a log, even after a restore. */
describe("build numbers after a restore", () => {
  it("continue after the highest number handed out, not after the backup's last build", async () => {
    const dir = tempDir();
    const first = open(dir);
    expect(first.store.create(makeNewBuild()).id).toBe(1);
    const backup = path.join(tempDir(), "backup.db");
    await backupDatabase(path.join(dir, "slashbuild.db"), backup);
    expect(first.store.create(makeNewBuild()).id).toBe(2);
    expect(first.store.create(makeNewBuild()).id).toBe(3);
    first.db.close();

    restore(dir, backup);
    const warnings: string[] = [];
    const again = open(dir, warnings);
    expect(again.store.create(makeNewBuild()).id).toBe(4);
    expect(warnings.join("\n")).toContain("the database's last build is #1");
    expect(warnings.join("\n")).toContain("new builds start at #4");
    again.db.close();
  });

  it("continue after the highest logs/N when there is no mark (an install from before it)", () => {
    const dir = tempDir();
    const { db, store } = open(dir);
    store.create(makeNewBuild());
    db.close();
    rmSync(path.join(dir, "last-build-number"));
    for (const name of ["3", "12", "not-a-build"])
      mkdirSync(path.join(dir, "logs", name), { recursive: true });

    const again = open(dir);
    expect(again.store.create(makeNewBuild()).id).toBe(13);
    again.db.close();
  });

  it("leave a database that is ahead alone, and bring a missing mark up to it", () => {
    const dir = tempDir();
    const { db, store } = open(dir);
    for (let i = 0; i < 3; i++) store.create(makeNewBuild());
    db.close();
    rmSync(path.join(dir, "last-build-number"));

    const warnings: string[] = [];
    const again = open(dir, warnings);
    expect(warnings).toEqual([]);
    expect(new BuildNumberMark(path.join(dir, "last-build-number")).read()).toBe(3);
    expect(again.store.create(makeNewBuild()).id).toBe(4);
    again.db.close();
  });
});
