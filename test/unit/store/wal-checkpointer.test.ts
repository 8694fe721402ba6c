import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { startWalCheckpointer, type WalCheckpointer } from "../../../src/store/wal-checkpointer.js";
import { ROOT, waitFor } from "../../helpers/service-process.js";
import { inSmallFilesystem } from "../../helpers/small-filesystem.js";

const dirs: string[] = [];
const open: { db: Db; checkpointer?: WalCheckpointer }[] = [];

afterEach(async () => {
  for (const { db, checkpointer } of open.splice(0)) {
    await checkpointer?.stop();
    db.close();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function database(): { db: Db; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-ckpt-"));
  dirs.push(dir);
  const file = path.join(dir, "slashbuild.db");
  const db = openDatabase(file);
  db.exec("CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB)");
  open.push({ db });
  return { db, file };
}

function fill(db: Db, rows: number): void {
  const insert = db.prepare("INSERT INTO filler (data) VALUES (randomblob(2000))");
  for (let i = 0; i < rows; i++) insert.run();
}

describe("startWalCheckpointer", () => {
  it("leaves commits free of checkpoints and copies the WAL into the database from its own thread", async () => {
    const { db, file } = database();
    const checkpointer = startWalCheckpointer(db, file, pino({ level: "silent" }));
    (open[0] as { checkpointer?: WalCheckpointer }).checkpointer = checkpointer;
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    const before = statSync(file).size;
    fill(db, 3000); // ~1500 pages: past SQLite's own 1000-page checkpoint, which is now off
    // Only a checkpoint writes the database file itself; the writer no longer does.
    await waitFor("a checkpoint by the worker", () => statSync(file).size > before + 4_000_000);
  });

  it("gives checkpoints back to the connection when the thread fails, so the WAL stays bounded", async () => {
    const { db } = database();
    const warnings: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(line) });
    const checkpointer = startWalCheckpointer(db, "/nonexistent/slashbuild.db", logger);
    (open[0] as { checkpointer?: WalCheckpointer }).checkpointer = checkpointer;
    await waitFor("the fallback", () => db.pragma("wal_autocheckpoint", { simple: true }) === 1000);
    expect(warnings.join("")).toMatch(/checkpoint thread stopped/);
  });

  it("restarts the thread after a checkpoint failed on a full disk, and leaves checkpoints to it again once there is room", () => {
    // A real full filesystem (a small tmpfs in a namespace of the child's own): the database
    // cannot grow by what the WAL holds, so the thread's checkpoint fails with SQLITE_FULL.
    const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-ckpt-full-"));
    dirs.push(dir);
    const run = spawnSync(
      inSmallFilesystem(dir, "8m")[0] as string,
      [
        ...inSmallFilesystem(dir, "8m").slice(1),
        process.execPath,
        "--import",
        "tsx",
        path.join(ROOT, "test/helpers/checkpoint-on-full-disk.ts"),
        dir,
      ],
      { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
    );
    expect(run.stderr).toBe("");
    const seen = JSON.parse(run.stdout) as { said: string[]; duringFailure: number; afterRestart: number };
    expect(seen.said).toEqual([
      "warn: the WAL checkpoint thread stopped: the database checkpoints on commit again, and the thread restarts",
      "info: the WAL checkpoint thread runs again",
    ]);
    // Meanwhile the connection checkpointed on commit itself; after the restart, no longer.
    expect(seen.duringFailure).toBe(1000);
    expect(seen.afterRestart).toBe(0);
  }, 180_000);

  it("keeps a process whose last work is stop() alive until the thread is gone", () => {
    // With nothing else left (the server closed), an unreferenced thread and timer let Node leave
    // stop() unsettled: exit code 13 and no report (the in-process benchmark died that way).
    const { file } = database();
    const script = path.join(path.dirname(file), "stop.mts");
    const source = (name: string) => JSON.stringify(path.join(ROOT, "src/store", name));
    writeFileSync(
      script,
      `       import { openDatabase } from ${source("open-database.ts")};
       import { startWalCheckpointer } from ${source("wal-checkpointer.ts")};
       const db = openDatabase(${JSON.stringify(`${file}.other`)});
       const checkpointer = startWalCheckpointer(db, ${JSON.stringify(`${file}.other`)}, { warn() {} });
       await checkpointer.stop();
       db.close();
       console.log("stopped");`,
    );
    const run = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: ROOT, encoding: "utf8" });
    expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({ status: 0, stdout: "stopped" });
  });
});
