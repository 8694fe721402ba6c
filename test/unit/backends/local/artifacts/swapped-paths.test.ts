import { execFileSync } from "node:child_process";
import {
  copyFile,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type CopyResult, copyArtifact } from "../../../../../src/backends/local/artifacts/copy-artifact.js";
import {
  DIRECTORY_FLAGS,
  type WalkEntry,
  walkWorkspace,
} from "../../../../../src/backends/local/artifacts/walk-workspace.js";
import { tempDirPerTest } from "../../../../helpers/temp-dir-per-test.js";

/**
 * A build runs concurrently with nothing, but whatever it left behind (or, without the sandbox,
 * another process of its user) can change the working copy while slashbuild walks it. Each test
 * swaps a path at the worst moment, between the walk listing a name and slashbuild opening it,
 * and shows what a path-based open reads then (the defence off) against what slashbuild reads.
 */

const newDir = tempDirPerTest("artifact-swap-");
const SECRET = "outside-the-working-copy-91c2";
const OWN = "the build's own output\n";

async function scene() {
  const dir = await newDir();
  const workspace = path.join(dir, "ws");
  const outside = path.join(dir, "outside");
  await mkdir(path.join(workspace, "dist"), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(workspace, "dist", "app.txt"), OWN);
  await writeFile(path.join(outside, "app.txt"), SECRET);
  return { dir, workspace, outside };
}

/** Walks `workspace`, calling `at` with the entry named `when` as soon as the walk yields it. */
async function walkUntil(
  workspace: string,
  when: string,
  at: (entry: WalkEntry) => Promise<void>,
): Promise<string[]> {
  const root = await open(workspace, DIRECTORY_FLAGS);
  const seen: string[] = [];
  try {
    for await (const entry of walkWorkspace(
      root,
      { enter: () => true, maxEntries: 1000, maxDepth: 8 },
      { note: null },
    )) {
      seen.push(entry.path);
      if (entry.path === when) await at(entry);
    }
  } finally {
    await root.close();
  }
  return seen;
}

type Opener = "by path (defence off)" | "slashbuild";

/** Copies the entry the way `opener` does; returns what was stored, or why not. */
async function copyBy(
  opener: Opener,
  workspace: string,
  entry: WalkEntry,
  to: string,
): Promise<string | CopyResult> {
  if (opener === "by path (defence off)") {
    await copyFile(path.join(workspace, entry.path), to);
    return readFile(to, "utf8");
  }
  const result = await copyArtifact({
    parent: entry.parent,
    name: entry.name,
    device: (await stat(workspace)).dev,
    maxBytes: 1_000_000,
    over: () => "too big",
    to,
    secrets: [],
  });
  return result.kept ? readFile(to, "utf8") : result;
}

describe.each<Opener>(["by path (defence off)", "slashbuild"])(
  "a path swapped under the walk, opened %s",
  (opener) => {
    const defended = opener === "slashbuild";

    it("a file replaced by a symlink after it was listed is refused, not followed", async () => {
      const { dir, workspace, outside } = await scene();
      let got: string | CopyResult = "";
      await walkUntil(workspace, "dist/app.txt", async (entry) => {
        await rm(path.join(workspace, "dist", "app.txt"));
        await symlink(path.join(outside, "app.txt"), path.join(workspace, "dist", "app.txt"));
        got = await copyBy(opener, workspace, entry, path.join(dir, "copy"));
      });
      expect(got).toEqual(defended ? { kept: false, reason: "is a symbolic link" } : SECRET);
    });

    it("a parent folder replaced by a symlink after it was entered: the open folder is read, not the link", async () => {
      const { dir, workspace, outside } = await scene();
      let got: string | CopyResult = "";
      await walkUntil(workspace, "dist/app.txt", async (entry) => {
        await rename(path.join(workspace, "dist"), path.join(workspace, "dist-old"));
        await symlink(outside, path.join(workspace, "dist"));
        got = await copyBy(opener, workspace, entry, path.join(dir, "copy"));
      });
      expect(got).toEqual(defended ? OWN : SECRET);
    });
  },
);

describe("walkWorkspace", () => {
  it.each(["listed by path (defence off)", "slashbuild"])(
    "a folder replaced by a symlink after it was listed is not entered: %s",
    async (how) => {
      const { workspace, outside } = await scene();
      let outsideNames: string[] = [];
      const seen = await walkUntil(workspace, "dist", async () => {
        await rename(path.join(workspace, "dist"), path.join(workspace, "dist-old"));
        await symlink(outside, path.join(workspace, "dist"));
        if (how !== "slashbuild") outsideNames = await readdir(path.join(workspace, "dist"));
      });
      if (how === "slashbuild") expect(seen).toEqual(["dist"]);
      else expect(outsideNames).toEqual(["app.txt"]);
    },
  );

  it("a file replaced by a FIFO after it was listed is refused without blocking the open", async () => {
    const { dir, workspace } = await scene();
    let got: string | CopyResult = "";
    await walkUntil(workspace, "dist/app.txt", async (entry) => {
      await rm(path.join(workspace, "dist", "app.txt"));
      execFileSync("mkfifo", [path.join(workspace, "dist", "app.txt")]);
      got = await copyBy("slashbuild", workspace, entry, path.join(dir, "copy"));
    });
    expect(got).toEqual({ kept: false, reason: "is not a regular file" });
  });

  it("stops after maxEntries and says so", async () => {
    const { workspace } = await scene();
    for (let i = 0; i < 20; i++) await writeFile(path.join(workspace, `f${i}`), "");
    const root = await open(workspace, DIRECTORY_FLAGS);
    const end = { note: null as string | null };
    let count = 0;
    for await (const _ of walkWorkspace(root, { enter: () => true, maxEntries: 10, maxDepth: 8 }, end))
      count++;
    await root.close();
    expect(count).toBe(10);
    expect(end.note).toBe("stopped looking after 10 files and folders");
  });
});
