import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
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

/**
 * A real filesystem that fills up, for any user: `argv` runs in a user and mount namespace of its
 * own (`unshare --user --map-root-user --mount`, no root needed, as the sandbox's unprivileged
 * path needs user namespaces anyway) with a tmpfs of `size` (e.g. "16m") mounted on `dir`. Only
 * that process and its children see the tmpfs; the host's `dir` stays an empty directory.
 * Returns the command line to spawn (`ServiceProcess`'s launcher takes all but `argv`).
 */
export function inSmallFilesystem(dir: string, size: string, argv: readonly string[] = []): string[] {
  return [
    "unshare",
    "--user",
    "--map-root-user",
    "--mount",
    "sh",
    "-c",
    'mount -t tmpfs -o "size=$1" slashbuild-test "$0" && shift && exec "$@"',
    dir,
    size,
    ...argv,
  ];
}

/** Writes to `file` until the filesystem refuses: big chunks, then smaller, down to single bytes. */
export function fillDisk(file: string): void {
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
