import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A filesystem of its own, small enough to fill in a test: a tmpfs mounted for it. */
export interface SmallFilesystem {
  readonly dir: string;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `size` (e.g. "64m") on a fresh temp dir. Needs root, as CI runs: fails (never
 * skips) with that reason elsewhere. `mode` is the mount's root folder's mode.
 */
export function mountSmallFilesystem(size: string, mode = "0755"): SmallFilesystem {
  const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-small-fs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=${mode}`, "tmpfs", dir], {
      stdio: "pipe",
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`this test mounts a small tmpfs and needs root: ${(error as Error).message}`);
  }
  return {
    dir,
    unmount() {
      execFileSync("umount", ["--lazy", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
