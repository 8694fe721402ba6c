import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DiskWatch, watchDisk } from "../../../../src/backends/local/disk-watcher.js";
import { runTsAs } from "../../../helpers/run-ts-as.js";
import { mountSmallFilesystem, type SmallFilesystem } from "../../../helpers/small-filesystem.js";
import { handOver, unprivilegedUser } from "../../../helpers/unprivileged-user.js";

const MIB = 1024 ** 2;

/**
 * limits.disk's watcher on a quiet filesystem of its own (a tmpfs this test mounts, so nothing
 * else on the machine moves its numbers). Waits are safety nets; nothing asserts on time.
 */
describe("watchDisk", () => {
  let fs: SmallFilesystem;
  let workspace: string;
  let watch: DiskWatch | null = null;
  beforeEach(async () => {
    fs = mountSmallFilesystem("64m");
    workspace = path.join(fs.dir, "ws");
    await mkdir(workspace);
  });
  afterEach(() => {
    watch?.stop();
    watch = null;
    fs.unmount();
  });

  function start(limitBytes: number, options: { walkEveryMs?: number } = {}) {
    const said: string[] = [];
    watch = watchDisk({
      dir: workspace,
      limitBytes,
      onOver: (reason) => said.push(reason),
      tickMs: 5,
      ...options,
    });
    return said;
  }

  /** Long enough for dozens of ticks: what has not happened by then is not going to. */
  const manyTicks = () => sleep(500);

  it("ends a build whose workspace passes limits.disk, and says so", async () => {
    const said = start(8 * MIB);
    for (let i = 0; i < 16 && said.length === 0; i++)
      await writeFile(path.join(workspace, `f${i}`), Buffer.alloc(MIB, 1));
    while (said.length === 0) await sleep(5);
    expect(said).toEqual([
      expect.stringMatching(/^the workspace took more than limits\.disk \(8\.4 MB\) on disk/),
    ]);
  });

  it("leaves a build under the limit alone, checked at every tick", async () => {
    const said = start(8 * MIB, { walkEveryMs: 0 });
    await writeFile(path.join(workspace, "f"), Buffer.alloc(4 * MIB, 1));
    await manyTicks();
    expect(said).toEqual([]);
  });

  it("still catches growth the filesystem does not show (moved in from beside it) with its periodic walk", async () => {
    const said = start(8 * MIB, { walkEveryMs: 20 });
    await writeFile(path.join(fs.dir, "made-elsewhere"), Buffer.alloc(16 * MIB, 1));
    await manyTicks(); // the file exists: the filesystem's use is what it will stay
    await rename(path.join(fs.dir, "made-elsewhere"), path.join(workspace, "moved-in"));
    while (said.length === 0) await sleep(5);
    expect(said[0]).toMatch(/limits\.disk/);
  });

  it("misses that growth without the periodic walk (the statfs trigger alone cannot see it)", async () => {
    const said = start(8 * MIB, { walkEveryMs: 3_600_000 });
    await writeFile(path.join(fs.dir, "made-elsewhere"), Buffer.alloc(16 * MIB, 1));
    await manyTicks();
    await rename(path.join(fs.dir, "made-elsewhere"), path.join(workspace, "moved-in"));
    await manyTicks();
    expect(said).toEqual([]);
  });

  it("ends a build that keeps part of its workspace unreadable to slashbuild (unprivileged)", async () => {
    const user = unprivilegedUser();
    await mkdir(path.join(workspace, "hidden"));
    await writeFile(path.join(workspace, "hidden/loot"), Buffer.alloc(MIB, 1));
    await handOver(user, workspace);
    await chmod(path.join(workspace, "hidden"), 0o000);
    const run = runTsAs(
      user.switched ? user : undefined,
      `const { watchDisk } = await src("backends/local/disk-watcher.ts");
       const reason = await new Promise((resolve) => {
         const watch = watchDisk({ dir: ${JSON.stringify(workspace)}, limitBytes: ${64 * MIB}, tickMs: 5, walkEveryMs: 0,
           onOver: (said) => { watch.stop(); resolve(said); } });
       });
       console.log("ENDED", reason);`,
    );
    await chmod(path.join(workspace, "hidden"), 0o700);
    expect(run.stdout).toMatch(
      /^ENDED slashbuild could not measure the workspace against limits\.disk: .*hidden cannot be read/m,
    );
  });
});
