import { spawnSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FakeMattermost } from "../fakes/fake-mattermost.js";
import { sendSlashCommand } from "../fakes/send-slash-command.js";
import { GitRepoFixture } from "../helpers/git-repo.js";
import { ServiceProcess, waitFor } from "../helpers/service-process.js";
import { fillDisk, inSmallFilesystem } from "../helpers/small-filesystem.js";
import { tempDirPerTest } from "../helpers/temp-dir-per-test.js";

/**
 * Issue 22 item 11: the `slashbuild` binary with data_dir on a real filesystem that fills up (a
 * 16 MiB tmpfs in a user and mount namespace of the service's own, so any user can run this) while
 * a build runs. Its end cannot be stored then; once there is room again, without a restart, it is
 * stored and posted, once.
 */

const TOKEN = "disk-full-slash-token-0123456789";
const newDir = tempDirPerTest("slashbuild-full-run-");
let service: ServiceProcess | undefined;
let mattermost: FakeMattermost | undefined;
let repo: GitRepoFixture | undefined;

afterEach(async () => {
  await service?.stop("SIGKILL");
  await mattermost?.close();
  await repo?.remove();
  service = mattermost = repo = undefined;
});

/** Runs `script` in the service's mount namespace (where its tmpfs is), as the service's user there. */
function inServiceNamespace(pid: number, script: string): void {
  const run = spawnSync(
    "nsenter",
    [`--target=${pid}`, "--user", "--mount", process.execPath, "--input-type=module", "-e", script],
    { encoding: "utf8" },
  );
  if (run.status !== 0) throw new Error(`in the service's namespace: ${run.stderr}`);
}

describe("a build that ends while data_dir is full", () => {
  it("is stored as it ended and posted once the disk has room again, without a restart", async () => {
    const dir = await newDir();
    const disk = path.join(dir, "disk");
    const gate = path.join(dir, "gate");
    await mkdir(disk);
    mattermost = await FakeMattermost.start();
    repo = await GitRepoFixture.create();
    const dataDir = path.join(disk, "data");
    const written = await ServiceProcess.write(dir, {
      data_dir: dataDir,
      log_level: "info",
      web: { read: "public" },
      mattermost: { token: TOKEN, webhook_url: mattermost.addIncomingWebhook("ci") },
      delivery: { initial_backoff: "50ms", max_backoff: "500ms" },
      // Below the 16 MiB the disk has: the build starts (health.min_free_disk holds new builds
      // back on a disk nearly full; this one is filled once the build runs).
      health: { min_free_disk: "1MB" },
      // Root in its own user namespace only: the sandbox's privileged path cannot work there,
      // and this test is about storage, not isolation.
      runner: { sandbox: "none" },
      repos: {
        app: {
          url: repo.dir,
          branch: "main",
          // Silent while it waits: a step log that needs room would fail first.
          commands: [`while [ -d ${dir} ] && [ ! -e ${gate} ]; do sleep 0.05; done`],
        },
      },
    });
    service = new ServiceProcess(written.configFile, written.port, {}, undefined, {
      launcher: inSmallFilesystem(disk, "16m"),
    });
    await service.start();
    const running = service;
    const pid = running.pid as number;
    // The tmpfs as the service sees it (plain file operations only: SQLite resolves this link away).
    const seen = (name: string) => path.join(`/proc/${pid}/root`, disk, name);
    const statusOf = async () =>
      ((await (await fetch(`${running.url}/api/builds/1`)).json()) as { status?: string }).status;

    const answer = await sendSlashCommand({
      url: `${running.url}/mattermost/command`,
      token: TOKEN,
      text: "app",
      user: { id: "uid-alice", name: "alice" },
      channel: { id: "chan-ci", name: "ci" },
    });
    expect(answer.ok).toBe(true);
    await waitFor("the start post", () => mattermost?.postsIn("ci").length === 1, 120_000);
    expect(await statusOf()).toBe("running");

    // Full, and the WAL emptied (TRUNCATE) while there is a moment's room: SQLite reuses a WAL's
    // space once checkpointed, so the next write must need new space for sure.
    fillDisk(seen("filler"));
    await rm(seen("filler"));
    inServiceNamespace(
      pid,
      `import Database from ${JSON.stringify(createRequire(import.meta.url).resolve("better-sqlite3"))};
       const db = new Database(${JSON.stringify(path.join(dataDir, "slashbuild.db"))});
       db.pragma("busy_timeout = 5000");
       db.pragma("wal_checkpoint(TRUNCATE)");
       db.close();`,
    );
    fillDisk(seen("filler"));

    await writeFile(gate, "");
    await waitFor(
      "the build's end to fail to be stored",
      () => running.stderr.includes("disk full: slashbuild cannot write its database"),
      120_000,
    );
    // Nothing was posted about an end that is not stored.
    expect(mattermost.postsIn("ci")).toHaveLength(1);

    await rm(seen("filler"));
    await waitFor(
      "the build to be stored as succeeded",
      async () => (await statusOf()) === "succeeded",
      120_000,
    );
    await waitFor("the finish post", () => mattermost?.postsIn("ci").length === 2, 120_000);
    const posts = mattermost.postsIn("ci").map((post) => JSON.stringify(post));
    expect(posts[0]).toMatch(/started/);
    expect(posts[1]).toMatch(/succeeded/);
    // The same process all along: no restart reported it. Its log said what it did meanwhile.
    expect(running.pid).toBe(pid);
    expect(running.stderr).toContain(
      "build #1's progress cannot be stored while the disk is full: kept in memory and stored once there is room",
    );
  }, 400_000);
});
