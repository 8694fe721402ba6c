import { execFileSync } from "node:child_process";
import { link, mkdir, readdir, readFile, symlink, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ArtifactShelf } from "../../../../../src/backends/local/artifacts/artifact-shelf.js";
import { collectArtifacts } from "../../../../../src/backends/local/artifacts/collect-artifacts.js";
import type { ArtifactLimits } from "../../../../../src/config/config.js";
import type { ArtifactManifest } from "../../../../../src/core/artifacts.js";
import { naiveCollect } from "../../../../helpers/naive-artifact-collector.js";
import { tempDirPerTest } from "../../../../helpers/temp-dir-per-test.js";

const newDir = tempDirPerTest("artifacts-");
const LIMITS: ArtifactLimits = { maxFileBytes: 1_000_000, maxBuildBytes: 5_000_000, maxFiles: 50 };
const SECRET = "what-slashbuild-must-never-serve-7f3a";

interface Scene {
  /** The build's working copy. */
  readonly workspace: string;
  /** Beside it, out of the build's reach: `secret.txt` holds SECRET. */
  readonly outside: string;
  /** slashbuild's own data_dir, with a database-like file holding SECRET. */
  readonly dataDir: string;
  /** Another build's working copy, holding SECRET. */
  readonly other: string;
}

async function scene(): Promise<Scene> {
  const dir = await newDir();
  const s = {
    workspace: path.join(dir, "workspaces", "7"),
    outside: path.join(dir, "outside"),
    dataDir: path.join(dir, "data"),
    other: path.join(dir, "workspaces", "8"),
  };
  for (const folder of Object.values(s)) await mkdir(folder, { recursive: true });
  await writeFile(path.join(s.outside, "secret.txt"), SECRET);
  await writeFile(path.join(s.dataDir, "slashbuild.db"), SECRET);
  await writeFile(path.join(s.other, "report.txt"), SECRET);
  await mkdir(path.join(s.workspace, "dist"));
  await writeFile(path.join(s.workspace, "dist", "app.txt"), "the build's own output\n");
  return s;
}

async function collect(s: Scene, globs: readonly string[], limits = LIMITS, secrets: string[] = []) {
  const shelf = new ArtifactShelf(s.dataDir);
  const manifest = await collectArtifacts({
    workspace: s.workspace,
    globs,
    buildId: 7,
    shelf,
    limits,
    secrets,
  });
  if (!manifest) throw new Error("no manifest");
  const stored = new Map<string, string>();
  for (const kept of manifest.kept)
    stored.set(kept.path, await readFile(shelf.filePath(7, kept.file), "utf8"));
  return { manifest, stored };
}

type Collector = "slashbuild" | "naive (defence off)";

/** What each collector stored, by artifact path. */
async function storedBy(collector: Collector, s: Scene, globs: readonly string[]) {
  if (collector === "slashbuild") return collect(s, globs);
  const stored = new Map<string, string>();
  for (const [artifact, file] of await naiveCollect(s.workspace, globs, path.join(s.dataDir, "naive"))) {
    stored.set(artifact, await readFile(file, "utf8"));
  }
  return { manifest: null, stored };
}

interface Attack {
  readonly name: string;
  readonly globs: readonly string[];
  plant(s: Scene): Promise<void>;
  /** What slashbuild lists as not kept (path and why), when the path matches a glob. */
  readonly refused?: { readonly path: string; readonly reason: RegExp };
}

const ATTACKS: readonly Attack[] = [
  {
    name: "a symlink to a file outside the working copy",
    globs: ["dist/*"],
    plant: (s) => symlink(path.join(s.outside, "secret.txt"), path.join(s.workspace, "dist", "shadow")),
    refused: { path: "dist/shadow", reason: /symbolic link/ },
  },
  {
    name: "a symlink to data_dir",
    globs: ["dist/**", "data/**"],
    plant: (s) => symlink(s.dataDir, path.join(s.workspace, "data")),
    refused: { path: "data", reason: /symbolic link/ },
  },
  {
    name: "a symlink to another build's working copy",
    globs: ["dist/*.txt", "theirs/*.txt"],
    plant: (s) => symlink(s.other, path.join(s.workspace, "theirs")),
  },
  {
    name: "a symlinked parent folder named by a plain path",
    globs: ["out/secret.txt"],
    plant: (s) => symlink(s.outside, path.join(s.workspace, "out")),
  },
  {
    name: "a glob that climbs out with ..",
    globs: ["../../outside/secret.txt"],
    plant: async () => {},
  },
  {
    name: "an absolute glob",
    globs: ["/will-be-replaced"],
    plant: async () => {},
  },
  {
    name: "a hard link to a file outside",
    globs: ["dist/*"],
    plant: (s) => link(path.join(s.outside, "secret.txt"), path.join(s.workspace, "dist", "hard.txt")),
    refused: { path: "dist/hard.txt", reason: /hard links/ },
  },
];

describe.each<Collector>(["naive (defence off)", "slashbuild"])(
  "hostile artifacts, collected by %s",
  (collector) => {
    const defended = collector === "slashbuild";
    it.each(ATTACKS)("$name: the outside file is kept only without the defence", async (attack) => {
      const s = await scene();
      await attack.plant(s);
      const globs = attack.globs.map((glob) =>
        glob === "/will-be-replaced" ? path.join(s.outside, "secret.txt") : glob,
      );
      const { manifest, stored } = await storedBy(collector, s, globs);
      const leaked = [...stored.values()].some((content) => content.includes(SECRET));
      expect(leaked).toBe(!defended);
      if (defended && attack.refused) {
        expect(manifest?.refused).toContainEqual({
          path: attack.refused.path,
          reason: expect.stringMatching(attack.refused.reason),
        });
      }
    });
  },
);

describe("collectArtifacts", () => {
  it("keeps the matching regular files in path order, under their working-copy paths", async () => {
    const s = await scene();
    await mkdir(path.join(s.workspace, "dist", "sub"));
    await writeFile(path.join(s.workspace, "dist", "sub", "b.bin"), Buffer.from([0, 1, 2, 255]));
    await writeFile(path.join(s.workspace, "dist", ".hidden"), "dot files only when named");
    await writeFile(path.join(s.workspace, "notes.md"), "not matched");
    const { manifest, stored } = await collect(s, ["dist/**"]);
    expect(manifest.kept.map((kept) => [kept.path, kept.size])).toEqual([
      ["dist/app.txt", 23],
      ["dist/sub/b.bin", 4],
    ]);
    expect(stored.get("dist/app.txt")).toBe("the build's own output\n");
    const shelf = new ArtifactShelf(s.dataDir);
    expect(await readFile(shelf.filePath(7, 1))).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(JSON.parse(await readFile(shelf.manifestPath(7), "utf8"))).toEqual(manifest);
  });

  it("masks the build's secrets in what it keeps", async () => {
    const s = await scene();
    await writeFile(path.join(s.workspace, "dist", "env.txt"), `TOKEN=${SECRET}\n`);
    const { stored } = await collect(s, ["dist/env.txt"], LIMITS, [SECRET]);
    expect(stored.get("dist/env.txt")).toBe("TOKEN=****\n");
  });

  it("refuses a symlink to /etc/shadow and stores nothing of it", async () => {
    const s = await scene();
    await symlink("/etc/shadow", path.join(s.workspace, "dist", "shadow"));
    const { manifest } = await collect(s, ["dist/shadow"]);
    expect(manifest.kept).toEqual([]);
    expect(manifest.refused).toEqual([
      { path: "dist/shadow", reason: expect.stringMatching(/symbolic link/) },
    ]);
    expect(await readdir(new ArtifactShelf(s.dataDir).dirFor(7))).toEqual(["manifest.json"]);
  });

  it("refuses a FIFO without waiting on it, and a device node", async () => {
    const s = await scene();
    execFileSync("mkfifo", [path.join(s.workspace, "dist", "pipe")]);
    // mknod needs CAP_MKNOD: the test runs as root here; elsewhere the FIFO alone is checked.
    const device = process.getuid?.() === 0;
    if (device) execFileSync("mknod", [path.join(s.workspace, "dist", "null"), "c", "1", "3"]);
    const { manifest } = await collect(s, ["dist/*"]);
    expect(manifest.kept.map((kept) => kept.path)).toEqual(["dist/app.txt"]);
    expect(manifest.refused.map((refused) => refused.path)).toEqual(
      device ? ["dist/null", "dist/pipe"] : ["dist/pipe"],
    );
    for (const refused of manifest.refused) expect(refused.reason).toBe("is not a regular file");
  });

  it("judges a sparse file by the size it claims, without reading it", async () => {
    const s = await scene();
    await writeFile(path.join(s.workspace, "dist", "huge.img"), "");
    await truncate(path.join(s.workspace, "dist", "huge.img"), 64 * 1024 ** 3);
    const { manifest } = await collect(s, ["dist/*"]);
    expect(manifest.kept.map((kept) => kept.path)).toEqual(["dist/app.txt"]);
    expect(manifest.refused).toEqual([
      { path: "dist/huge.img", reason: "is 68.7 GB, over artifacts.max_file_size (1.0 MB)" },
    ]);
  });

  it("keeps files until the count and the build's total are reached, and says why for the rest", async () => {
    const s = await scene();
    for (const name of ["a", "b", "c", "d"])
      await writeFile(path.join(s.workspace, "dist", `${name}.log`), "x".repeat(400));
    const limits = { maxFileBytes: 1000, maxBuildBytes: 1000, maxFiles: 3 };
    const { manifest } = await collect(s, ["dist/*.log"], limits);
    expect(manifest.kept.map((kept) => kept.path)).toEqual(["dist/a.log", "dist/b.log"]);
    expect(manifest.refused).toEqual([
      { path: "dist/c.log", reason: expect.stringContaining("artifacts.max_build_size (1.0 KB)") },
      { path: "dist/d.log", reason: expect.stringContaining("artifacts.max_build_size") },
    ]);
    const counted = await collect(s, ["dist/*.log"], { ...limits, maxBuildBytes: 10_000 });
    expect(counted.manifest.refused).toEqual([
      { path: "dist/d.log", reason: "is past artifacts.max_files (3)" },
    ]);
  });

  it("lists at most 100 refusals and counts the rest", async () => {
    const s = await scene();
    for (let i = 0; i < 130; i++) await symlink("/etc/passwd", path.join(s.workspace, "dist", `l${i}`));
    const { manifest }: { manifest: ArtifactManifest } = await collect(s, ["dist/l*"]);
    expect(manifest.refused).toHaveLength(100);
    expect(manifest.moreRefused).toBe(30);
  });

  it("keeps nothing and writes nothing when the working copy is gone", async () => {
    const s = await scene();
    const shelf = new ArtifactShelf(s.dataDir);
    const gone = path.join(s.workspace, "..", "never-made");
    expect(
      await collectArtifacts({
        workspace: gone,
        globs: ["*"],
        buildId: 9,
        shelf,
        limits: LIMITS,
        secrets: [],
      }),
    ).toBeNull();
    await expect(readdir(shelf.dirFor(9))).rejects.toThrow(/ENOENT/);
  });
});
