import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type App, createApp } from "../../../src/app.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { makeNewBuild } from "../../fakes/make-build.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { makeConfig } from "../../helpers/make-config.js";

/**
 * A restart with a deep queue (correctness, not timing; the time to ready is in `npm run bench`):
 * the process that stopped left one build running and thousands queued in SQLite. The new one must
 * report the running build interrupted, put every queued build back in the runner's queue, start
 * the oldest, and still take new builds behind them.
 */

const QUEUED = 3000;
const alice = { id: "uid-alice", name: "alice" };
const channel = { id: "chan-ci", name: "ci" };

let app: App | undefined;
let dirs: string[] = [];

afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const dir of dirs) await removeDir(dir);
  dirs = [];
});

describe("restart with a deep queue", () => {
  it("re-queues every queued build oldest first and keeps answering /build", async () => {
    const remote = await GitRepoFixture.create();
    const dataDir = await makeTempDir();
    dirs = [remote.dir, dataDir];
    const config = makeConfig(
      {
        data_dir: dataDir,
        runner: { concurrency: 1 },
        // Thousands queued by one requester on purpose: the queue bounds are not what this tests.
        queue: { max_per_user: 100000, max_total: 100000 },
        repos: { app: { url: remote.dir, branch: "main", commands: ["sleep 300"] } },
      },
      dataDir,
    );

    // What the last process left behind.
    const db = openDatabase(path.join(dataDir, "slashbuild.db"));
    const store = new SqliteBuildStore(db);
    const newBuild = (createdAt: number) =>
      store.create(
        makeNewBuild({ requesterId: alice.id, channelId: channel.id, channelName: channel.name, createdAt }),
      );
    let wasRunning = 0;
    const queued: number[] = [];
    db.transaction(() => {
      wasRunning = newBuild(1).id;
      store.update(wasRunning, { status: "running", startedAt: 2 });
      for (let i = 0; i < QUEUED; i++) queued.push(newBuild(10 + i).id);
    })();
    db.close();

    app = await createApp(config, { out: discard(), logger: pino({ level: "silent" }) });
    await app.start();

    const find = (id: number) => app?.service.findBuild(id);
    // Recovery ends the old build's processes in the background while the service already listens.
    await vi.waitFor(() => expect(find(wasRunning)).toMatchObject({ status: "interrupted" }), {
      timeout: 30_000,
    });
    // The oldest queued build takes the only runner slot; the next ones wait their turn.
    await vi.waitFor(() => expect(find(queued[0] as number)?.status).toBe("running"), { timeout: 30_000 });
    expect(find(queued[1] as number)?.status).toBe("queued");

    // A build deep in the queue is in the runner's queue: stopping it cancels it before it starts.
    const deep = queued[QUEUED / 2] as number;
    await app.service.stopBuild(deep, alice);
    expect(find(deep)).toMatchObject({ status: "cancelled", reason: "stopped by @alice before it started" });

    // New work still goes in, behind the backlog.
    const { build } = await app.service.requestBuild({
      repo: "app",
      branch: null,
      revision: null,
      user: alice,
      channel,
      again: true,
    });
    expect(build.id).toBe((queued.at(-1) as number) + 1);
    expect(build.status).toBe("queued");
    const unfinished = app.service.listBuilds({ status: "queued", limit: QUEUED + 10 });
    expect(unfinished.length).toBe(QUEUED - 2 + 1);
  });
});

function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}
