import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type App, createApp } from "../../../src/app.js";
import { GitRepoFixture, removeDir } from "../../helpers/git-repo.js";
import { makeConfig } from "../../helpers/make-config.js";
import { waitFor } from "../../helpers/service-process.js";
import { mountSmallFilesystem, type SmallFilesystem } from "../../helpers/small-filesystem.js";

vi.setConfig({ testTimeout: 180_000 });

const MB = 1_000_000;
const alice = { id: "uid-alice", name: "alice" };
const channel = { id: "chan-ci", name: "ci" };

let app: App | undefined;
let small: SmallFilesystem | undefined;
let remote: GitRepoFixture | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  small?.unmount();
  small = undefined;
  if (remote) await removeDir(remote.dir);
  remote = undefined;
});

/** Writes a file that leaves about `leave` bytes free on the filesystem holding `file`. */
function fillUntil(file: string, leave: number): void {
  const stats = statfsSync(path.dirname(file));
  let left = Number(stats.bavail) * Number(stats.bsize) - leave;
  const chunk = Buffer.alloc(1 << 20, 0x61);
  const fd = openSync(file, "w");
  try {
    while (left > 0) left -= writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  } finally {
    closeSync(fd);
  }
}

/**
 * Issue 18: slashbuild stops starting builds before its own database's filesystem runs out.
 * data_dir lives on a 32 MB filesystem this test mounts; a file fills it to 3 MB free, under a
 * health.min_free_disk of 8 MB. With the floor, the build waits queued (the log says why) and
 * starts once space is freed; with a floor of 1 byte, the same build starts at once.
 */
describe.each([
  ["health.min_free_disk: 8MB", "8MB"],
  ["a floor of 1 byte", "1"],
])("a build requested while data_dir's filesystem is nearly full, %s", (_name, floor) => {
  it(
    floor === "1"
      ? "starts at once (what the floor prevents)"
      : "waits queued, says why, and starts once space is back",
    async () => {
      small = mountSmallFilesystem("32m", "0700");
      remote = await GitRepoFixture.create();
      const dataDir = path.join(small.dir, "data");
      mkdirSync(dataDir);
      let logs = "";
      const sink = new Writable({
        write: (chunk, _encoding, done) => {
          logs += chunk;
          done();
        },
      });
      const config = makeConfig(
        {
          data_dir: dataDir,
          health: { min_free_disk: floor },
          repos: { app: { url: remote.dir, branch: "main", commands: ["true"] } },
        },
        dataDir,
      );
      const started = await createApp(config, { logger: pino({ level: "info" }, sink), out: sink });
      app = started;
      await started.start();
      const filler = path.join(small.dir, "filler");
      fillUntil(filler, 3 * MB);

      const { build } = await started.service.requestBuild({
        repo: "app",
        branch: null,
        revision: null,
        user: alice,
        channel,
        again: true,
      });
      expect(build.status).toBe("queued");
      const status = () => started.service.findBuild(build.id)?.status;
      if (floor === "1") {
        await waitFor("the build to succeed", () => status() === "succeeded", 120_000);
        expect(logs).not.toContain("builds wait queued");
        return;
      }
      await waitFor("the runner to say builds wait", () => logs.includes("builds wait queued"), 120_000);
      expect(logs).toMatch(/builds wait queued: [\d.]+ MB free in .*below health\.min_free_disk \(8\.0 MB\)/);
      expect(status()).toBe("queued");
      const ready = await started.server.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(503);

      rmSync(filler);
      await waitFor("the build to succeed once space is back", () => status() === "succeeded", 120_000);
      expect(logs).toContain("free space is back above health.min_free_disk");
    },
  );
});
