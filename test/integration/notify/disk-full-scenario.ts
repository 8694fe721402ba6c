/**
 * The full-disk scenario of disk-full.test.ts, run in a process of its own inside a user and mount
 * namespace where MOUNT (argv[2]) is a fresh 16 MiB tmpfs (`unshare -rm`: no root needed). The test
 * process cannot hold the app itself: SQLite resolves the /proc/<pid>/root path it would have to use
 * back to the host's folder. This script only acts and records; the test asserts on what it prints
 * (one JSON line on stdout).
 */
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import pino from "pino";
import { stringify } from "yaml";
import { createApp } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { GitRepoFixture, removeDir } from "../../helpers/git-repo.js";
import { freePort, waitFor } from "../../helpers/service-process.js";
import { fillDisk } from "../../helpers/small-filesystem.js";

const TOKEN = "cuzrenun5z3jqip98q1zxoi65f";

async function main(mount: string) {
  const mattermost = await FakeMattermost.start();
  const repo = await GitRepoFixture.create();
  let logs = "";
  const dataDir = path.join(mount, "data");
  const port = await freePort();
  const config = parseConfig(
    stringify({
      listen: `127.0.0.1:${port}`,
      public_url: `http://127.0.0.1:${port}`,
      data_dir: dataDir,
      mattermost: { token: TOKEN, webhook_url: mattermost.addIncomingWebhook("ci") },
      delivery: { initial_backoff: "20ms", max_backoff: "200ms" },
      // Only this namespace's root is mapped here, so the sandbox's build user cannot exist; the
      // build (`true`) is not what is under test.
      runner: { sandbox: "none" },
      // The test's filesystem is far below the default free-space floor for starting builds (100 MB);
      // what is under test is a full disk, not the floor, so the floor is lowered to 1 MB.
      health: { min_free_disk: "1MB" },
      repos: { app: { url: repo.dir, branch: "main", commands: ["true"] } },
    }),
    { baseDir: dataDir, env: {} },
  );
  const sink = new Writable({
    write: (chunk, _e, done) => {
      logs += chunk.toString();
      done();
    },
  });
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  // Checkpoints as SQLite makes them (in commits, every 1000 pages), not every 200 ms on a thread:
  // after each of those the WAL's space is reused, so the small writes this scenario needs to fail
  // would still fit in a full filesystem.
  const app = await createApp(config, {
    logger: pino({ level: "info" }, sink),
    out: quiet,
    backgroundCheckpoints: false,
  });
  /**
   * Fills the filesystem so that SQLite's next write fails for sure. SQLite reuses its WAL file's
   * space once checkpointed, so a small write may still fit in a full filesystem (CI saw the
   * delivery recorded: a busier build's writes had made SQLite checkpoint and start the WAL over).
   * So first the WAL is checkpointed and truncated, from a connection of the scenario's own; all
   * of this is synchronous, so the app writes nothing in between.
   */
  const fillDiskUnderWal = () => {
    rmSync(path.join(mount, "filler"), { force: true });
    const probe = new Database(path.join(dataDir, "slashbuild.db"));
    probe.pragma("wal_checkpoint(TRUNCATE)");
    probe.close();
    fillDisk(path.join(mount, "filler"));
  };
  try {
    await app.start();
    await app.server.listen({ host: "127.0.0.1", port });
    const slash = async (text: string) => {
      const outcome = await sendSlashCommand({
        url: `http://127.0.0.1:${port}/mattermost/command`,
        token: TOKEN,
        text,
        user: { id: "uid-alice", name: "alice" },
        channel: { id: "chan-ci", name: "ci" },
      });
      if (!outcome.ok) throw new Error(outcome.error);
      return String(outcome.response.text);
    };

    // Mattermost is down while the build runs: its finish post waits in the outbox (the start post
    // still pending then is dropped as stale news, issue 13).
    mattermost.outage = "503";
    const queued = await slash("app");
    // Generous limits: safety nets for a loaded machine, not timing assertions.
    await waitFor("build #1 to finish", () => app.service.findBuild(1)?.status === "succeeded", 120_000);
    const pendingAfterBuild = app.outbox.pendingCount();
    // The finished build's workspace is removed in the background: once that is done, nothing
    // frees space behind the scenario's back after the disk is filled.
    await waitFor("the finished build's workspace to be removed", () =>
      readdirSync(path.join(dataDir, "workspaces")).every((name) => !name.startsWith(".retired-")),
    );

    fillDiskUnderWal();
    mattermost.outage = "none";

    // The finish post is accepted, its delivery cannot be recorded: delivery pauses.
    await waitFor(
      "three failed tries to record the delivery",
      () =>
        logs
          .split("\n")
          .filter((l) => l.includes("still cannot record") && l.includes('"outcome":"delivered"')).length >=
        3,
      120_000,
    );
    const postsWhileFull = mattermost.postsIn("ci").length;

    fillDiskUnderWal();
    const answerWhenFull = await slash("app");

    rmSync(path.join(mount, "filler"));
    await waitFor("the outbox to drain", () => app.outbox.pendingCount() === 0, 120_000);
    return {
      queued,
      pendingAfterBuild,
      postsWhileFull,
      answerWhenFull,
      database: path.join(dataDir, "slashbuild.db"),
      diskFullLog: logs.split("\n").filter((line) => line.includes("disk full")),
      finalPosts: mattermost.postsIn("ci").map((post) => JSON.stringify(post)),
    };
  } finally {
    await app.close().catch(() => {});
    await mattermost.close();
    await removeDir(repo.dir);
  }
}

const mount = process.argv[2];
if (!mount) throw new Error("usage: disk-full-scenario.ts MOUNT");
process.stdout.write(`${JSON.stringify(await main(mount))}\n`);
