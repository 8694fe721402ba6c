import { readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type App, createApp } from "../../../src/app.js";
import type { Config } from "../../../src/config/config.js";
import { backupDatabase } from "../../../src/store/backup-database.js";
import { requestNew } from "../../fakes/request-new.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { makeConfig } from "../../helpers/make-config.js";

const alice = { id: "uid-alice", name: "alice" };
const channel = { id: "chan-ci", name: "ci" };
const discard = () => new Writable({ write: (_c, _e, done) => done() });

let app: App | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const dir of dirs.splice(0)) await removeDir(dir);
});

async function start(config: Config, logs: string[] = []): Promise<App> {
  const sink = new Writable({
    write: (chunk, _e, done) => {
      logs.push(chunk.toString());
      done();
    },
  });
  app = await createApp(config, { out: discard(), logger: pino({ level: "warn" }, sink) });
  await app.start();
  return app;
}

async function build(running: App): Promise<number> {
  const { id } = await requestNew(running.service, {
    repo: "app",
    branch: null,
    revision: null,
    user: alice,
    channel,
  });
  await vi.waitFor(() => expect(running.service.findBuild(id)?.status).toBe("succeeded"), {
    timeout: 60_000,
  });
  return id;
}

/**
 * Issue 22 item 8, as reported: after a restore as the README describes it, the next build got #3
 * again and logs/3 was overwritten. The service takes its numbers from what data_dir has seen.
 */
describe("a restore", () => {
  it("reuses no build number and overwrites no log", async () => {
    const remote = await GitRepoFixture.create();
    const dataDir = await makeTempDir();
    const elsewhere = await makeTempDir();
    dirs.push(remote.dir, dataDir, elsewhere);
    const config = makeConfig(
      {
        data_dir: dataDir,
        repos: {
          app: { url: remote.dir, branch: "main", commands: ['echo "this is build $SLASHBUILD_BUILD_ID"'] },
        },
      },
      dataDir,
    );
    const first = await start(config);
    expect(await build(first)).toBe(1);
    const backup = path.join(elsewhere, "slashbuild.db");
    await backupDatabase(path.join(dataDir, "slashbuild.db"), backup);
    expect(await build(first)).toBe(2);
    expect(await build(first)).toBe(3);
    const log3 = path.join(dataDir, "logs", "3", "0.log");
    const before = await readFile(log3, "utf8");
    expect(before).toContain("this is build 3");
    await first.close();
    app = undefined;

    // The README's restore: stop, put the copy in place, remove -wal and -shm, start.
    const db = path.join(dataDir, "slashbuild.db");
    await rm(`${db}-wal`, { force: true });
    await rm(`${db}-shm`, { force: true });
    await rename(backup, db);
    const logs: string[] = [];
    const restored = await start(config, logs);
    expect(restored.service.findBuild(3)).toBeUndefined();
    expect(await build(restored)).toBe(4);
    expect(await readFile(log3, "utf8")).toBe(before);
    expect(logs.join("")).toContain("new builds start at #4");
  });
});
