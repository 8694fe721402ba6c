import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type App, createApp } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { GitRepoFixture, removeDir } from "../../helpers/git-repo.js";
import { freePort, waitFor } from "../../helpers/service-process.js";

/**
 * Issue 9 item 8: data_dir on a real filesystem that fills up (a 16 MiB tmpfs mounted for this
 * test and unmounted after it; needs root, as CI runs). Mattermost accepts a post but the outbox
 * cannot record it: the deliverer must pause instead of sending it again at every retry, the
 * chat answer must say the disk is full, the log must name the database file, and once space is
 * freed every event is posted exactly once.
 */

const TOKEN = "cuzrenun5z3jqip98q1zxoi65f";

let mount: string;
let mattermost: FakeMattermost;
let repo: GitRepoFixture;
let app: App | null = null;
let logs = "";

beforeEach(async () => {
  mount = mkdtempSync(path.join(tmpdir(), "slashbuild-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", mount]);
  } catch (error) {
    rmSync(mount, { recursive: true, force: true });
    throw new Error(`this test mounts a small tmpfs and needs root: ${(error as Error).message}`);
  }
  mattermost = await FakeMattermost.start();
  repo = await GitRepoFixture.create();
  logs = "";
});

afterEach(async () => {
  await app?.close().catch(() => {});
  app = null;
  await mattermost.close();
  await removeDir(repo.dir);
  execFileSync("umount", [mount]);
  rmSync(mount, { recursive: true, force: true });
});

/** Writes until the filesystem refuses: big chunks, then smaller, down to single bytes. */
function fillDisk(file: string): void {
  const fd = openSync(file, "w");
  try {
    for (const size of [1 << 20, 1 << 16, 1 << 12, 1 << 8, 1]) {
      const chunk = Buffer.alloc(size, 0x61);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

describe("a full disk", () => {
  it("pauses delivery instead of resending, answers that the disk is full, logs the path, and posts each event once after", async () => {
    const dataDir = path.join(mount, "data");
    const port = await freePort();
    const config = parseConfig(
      stringify({
        listen: `127.0.0.1:${port}`,
        public_url: `http://127.0.0.1:${port}`,
        data_dir: dataDir,
        mattermost: { token: TOKEN, webhook_url: mattermost.addIncomingWebhook("ci") },
        delivery: { initial_backoff: "20ms", max_backoff: "200ms" },
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
    // Checkpoints as SQLite makes them (in commits, every 1000 pages), not every 200 ms on a
    // thread: after each of those the WAL's space is reused, so the small writes this test needs
    // to fail would still fit in a full filesystem.
    app = await createApp(config, {
      logger: pino({ level: "info" }, sink),
      out: quiet,
      backgroundCheckpoints: false,
    });
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
    expect(await slash("app")).toMatch(/Queued build \[#1\]/);
    const running = app;
    // Generous limits: safety nets for a loaded machine, not timing assertions.
    await waitFor("build #1 to finish", () => running.service.findBuild(1)?.status === "succeeded", 120_000);
    expect(running.outbox.pendingCount()).toBe(1);
    // The finished build's workspace is removed in the background: once that is done, nothing
    // frees space behind the test's back after the disk is filled.
    await waitFor("the finished build's workspace to be removed", () =>
      readdirSync(path.join(dataDir, "workspaces")).every((name) => !name.startsWith(".retired-")),
    );

    fillDisk(path.join(mount, "filler"));
    mattermost.outage = "none";

    // The finish post is accepted, its delivery cannot be recorded: delivery pauses. Several
    // recording retries later, Mattermost still has exactly one copy.
    await waitFor(
      "three failed tries to record the delivery",
      () => {
        const tries = logs
          .split("\n")
          .filter((line) => line.includes("still cannot record") && line.includes('"outcome":"delivered"'));
        return tries.length >= 3;
      },
      120_000,
    );
    expect(mattermost.postsIn("ci")).toHaveLength(1);

    // SQLite reuses its WAL file's space once checkpointed, so a small write may still fit in a
    // full filesystem. Make the next write need space for sure: free a moment, checkpoint and
    // truncate the WAL, and fill the filesystem again.
    rmSync(path.join(mount, "filler"));
    const probe = new Database(path.join(dataDir, "slashbuild.db"));
    probe.pragma("wal_checkpoint(TRUNCATE)");
    probe.close();
    fillDisk(path.join(mount, "filler"));
    const answer = await slash("app");
    expect(answer).toBe("Sorry, slashbuild cannot store builds: its disk is full; tell the admin.");
    expect(logs).toContain(
      `disk full: slashbuild cannot write its database ${path.join(dataDir, "slashbuild.db")}`,
    );

    rmSync(path.join(mount, "filler"));
    await waitFor("the outbox to drain", () => running.outbox.pendingCount() === 0, 120_000);
    const posts = mattermost.postsIn("ci").map((p) => JSON.stringify(p));
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatch(/succeeded/);
  }, 400_000);
});
