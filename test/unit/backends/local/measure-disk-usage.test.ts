import { chmod, link, mkdir, open, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIN_ENTRY_BYTES, measureDiskUsage } from "../../../../src/backends/local/measure-disk-usage.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";
import { runTsAs } from "../../../helpers/run-ts-as.js";
import { handOver, unprivilegedUser } from "../../../helpers/unprivileged-user.js";

const MIB = 1024 ** 2;

describe("measureDiskUsage", () => {
  let dir: string;
  let outside: string;
  beforeEach(async () => {
    dir = await makeTempDir("slashbuild-measure-");
    outside = await makeTempDir("slashbuild-outside-");
  });
  afterEach(async () => {
    await removeDir(dir);
    await removeDir(outside);
  });

  it("counts the blocks files take, in every folder", async () => {
    await mkdir(path.join(dir, "a/b"), { recursive: true });
    await writeFile(path.join(dir, "a/b/big"), Buffer.alloc(3 * MIB, 1));
    await writeFile(path.join(dir, "top"), Buffer.alloc(MIB, 1));
    const usage = await measureDiskUsage(dir);
    expect(usage).toBeGreaterThanOrEqual(4 * MIB);
    expect(usage).toBeLessThan(4 * MIB + 64 * 1024);
  });

  it("counts every entry as at least 4 KiB: a thousand empty files are not nothing", async () => {
    const empty = await measureDiskUsage(dir);
    await Promise.all(Array.from({ length: 1000 }, (_, i) => writeFile(path.join(dir, `e${i}`), "")));
    expect((await measureDiskUsage(dir)) - empty).toBeGreaterThanOrEqual(1000 * MIN_ENTRY_BYTES);
  });

  it("counts what a sparse file holds, not its apparent size", async () => {
    const file = await open(path.join(dir, "sparse"), "w");
    await file.truncate(1024 * MIB);
    await file.close();
    expect(await measureDiskUsage(dir)).toBeLessThan(MIB);
  });

  it("counts a file with several links once, and never follows a symlink out of the tree", async () => {
    await writeFile(path.join(dir, "data"), Buffer.alloc(2 * MIB, 1));
    for (let i = 0; i < 5; i++) await link(path.join(dir, "data"), path.join(dir, `link${i}`));
    await writeFile(path.join(outside, "elsewhere"), Buffer.alloc(8 * MIB, 1));
    await symlink(path.join(outside, "elsewhere"), path.join(dir, "out-file"));
    await symlink(outside, path.join(dir, "out-dir"));
    const usage = await measureDiskUsage(dir);
    expect(usage).toBeGreaterThanOrEqual(2 * MIB);
    expect(usage).toBeLessThan(3 * MIB);
  });

  it("stops soon after the total passes the bound it was given (within one batch of entries)", async () => {
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => writeFile(path.join(dir, `f${i}`), Buffer.alloc(64 * 1024, 1))),
    );
    const whole = await measureDiskUsage(dir);
    const stopped = await measureDiskUsage(dir, MIB);
    expect(stopped).toBeGreaterThan(MIB);
    expect(stopped).toBeLessThan(whole / 2);
  });

  it("is 0 for a tree that is gone (the build is being removed)", async () => {
    expect(await measureDiskUsage(path.join(dir, "never-made"))).toBe(0);
  });

  it("refuses to guess when the build hid a folder from its owner (slashbuild's uid, unprivileged)", async () => {
    // A non-root process: root reads any folder, so the hiding only works on an unprivileged slashbuild.
    const user = unprivilegedUser();
    await mkdir(path.join(dir, "hidden"));
    await writeFile(path.join(dir, "hidden/loot"), Buffer.alloc(MIB, 1));
    await handOver(user, dir);
    await chmod(path.join(dir, "hidden"), 0o000);
    const run = runTsAs(
      user.switched ? user : undefined,
      `const { measureDiskUsage } = await src("backends/local/measure-disk-usage.ts");
       try { console.log("MEASURED", await measureDiskUsage(${JSON.stringify(dir)})); }
       catch (error) { console.log("REFUSED", error.constructor.name, error.message); }`,
    );
    await chmod(path.join(dir, "hidden"), 0o700);
    expect(run.stdout).toMatch(/^REFUSED UnmeasurableError .*hidden cannot be read/m);
  });
});
