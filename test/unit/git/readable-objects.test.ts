import { chmod, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureReadableObjects, markReadable } from "../../../src/git/readable-objects.js";
import { makeTempDir, removeDir } from "../../helpers/git-repo.js";

/** Every entry under objects/ that a build's user (others) could not read or enter. */
async function closedToOthers(objects: string): Promise<string[]> {
  const closed: string[] = [];
  const names = ["", ...(await readdir(objects, { recursive: true }))];
  for (const name of names) {
    const info = await stat(path.join(objects, name));
    const wanted = info.isDirectory() ? 0o005 : 0o004;
    if ((info.mode & wanted) !== wanted) closed.push(name || ".");
  }
  return closed.sort();
}

describe("ensureReadableObjects", () => {
  let mirror: string;
  let objects: string;
  beforeEach(async () => {
    mirror = await makeTempDir();
    objects = path.join(mirror, "objects");
    // What a strict umask (077) leaves: owner-only directories and files.
    await mkdir(path.join(objects, "ab"), { recursive: true, mode: 0o700 });
    await mkdir(path.join(objects, "pack"), { mode: 0o700 });
    await writeFile(path.join(objects, "ab", "cdef"), "loose");
    await writeFile(path.join(objects, "pack", "pack-1.pack"), "pack");
    await chmod(path.join(objects, "ab", "cdef"), 0o400);
    await chmod(path.join(objects, "pack", "pack-1.pack"), 0o600);
    // mkdir's mode is filtered by the process's umask; set it exactly.
    for (const dir of [objects, path.join(objects, "ab"), path.join(objects, "pack")])
      await chmod(dir, 0o700);
  });
  afterEach(async () => {
    await removeDir(mirror);
  });

  it("opens up a mirror's objects for others to read (a+rX), keeping the owner's bits", async () => {
    expect(await closedToOthers(objects)).toEqual([".", "ab", "ab/cdef", "pack", "pack/pack-1.pack"]);
    await ensureReadableObjects(mirror);
    expect(await closedToOthers(objects)).toEqual([]);
    expect((await stat(path.join(objects, "ab", "cdef"))).mode & 0o777).toBe(0o444);
    expect((await stat(path.join(objects, "pack", "pack-1.pack"))).mode & 0o777).toBe(0o644);
    expect((await stat(path.join(objects, "pack"))).mode & 0o777).toBe(0o755);
  });

  it("walks a mirror once ever: its marker says the objects are readable (a mirror made shared has it from the start)", async () => {
    await markReadable(mirror);
    await ensureReadableObjects(mirror);
    expect(await closedToOthers(objects)).toEqual([".", "ab", "ab/cdef", "pack", "pack/pack-1.pack"]);
  });
});
