import type { Stats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";

/**
 * Every entry counts at least this much: an empty file still takes an inode and a directory
 * entry, so a million of them is not "nothing", and a walk's length stays bounded by the limit
 * (at most limit / 4 KiB entries are visited before the walk stops).
 */
export const MIN_ENTRY_BYTES = 4096;
/** lstat calls in flight per directory: enough to keep the thread pool busy, not to flood it. */
const BATCH = 64;

/** The workspace could not be read through: a build hid part of it from the check. */
export class UnmeasurableError extends Error {}

/**
 * Bytes a directory tree takes on disk (allocated blocks, not apparent sizes: a sparse file counts
 * what it holds), each entry at least MIN_ENTRY_BYTES, each multiply-linked file once, never
 * crossing into another filesystem nor following a symlink. Stops as soon as the total passes
 * `stopAbove`, so a check of a limit costs at most limit / MIN_ENTRY_BYTES entries, whatever
 * the tree holds. Entries that vanish while it walks are skipped (the build keeps running).
 *
 * A folder slashbuild cannot read (unprivileged, a build's files are slashbuild's uid's, and the
 * build may take the owner's read bit away) is UnmeasurableError: the caller decides how long to
 * tolerate it. Nothing is changed in the workspace to read it.
 */
export async function measureDiskUsage(root: string, stopAbove = Number.POSITIVE_INFINITY): Promise<number> {
  const top = await lstat(root).catch(() => null);
  if (!top) return 0;
  let total = entryBytes(top);
  const linked = new Set<number>();
  const dirs = [root];
  while (dirs.length > 0 && total <= stopAbove) {
    const dir = dirs.pop() as string;
    const names = await listDir(dir);
    for (let i = 0; i < names.length && total <= stopAbove; i += BATCH) {
      const batch = names.slice(i, i + BATCH).map((name) => path.join(dir, name));
      const stats = await Promise.all(batch.map((file) => statOf(file)));
      stats.forEach((stat, index) => {
        if (!stat || stat.dev !== top.dev) return;
        if (!stat.isDirectory() && stat.nlink > 1) {
          if (linked.has(stat.ino)) return;
          linked.add(stat.ino);
        }
        total += entryBytes(stat);
        if (stat.isDirectory()) dirs.push(batch[index] as string);
      });
    }
  }
  return total;
}

function entryBytes(stat: Stats): number {
  return Math.max(stat.blocks * 512, MIN_ENTRY_BYTES);
}

/** An entry's stat; null when it vanished while the walk ran. */
async function statOf(file: string): Promise<Stats | null> {
  try {
    return await lstat(file);
  } catch (error) {
    const hidden = unreadable(error, file);
    if (hidden) throw hidden;
    return null;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const hidden = unreadable(error, dir);
    if (hidden) throw hidden;
    return []; // gone (ENOENT), or no folder any more (ENOTDIR)
  }
}

/** A permission error hides part of the tree (a folder without r or x for its owner): not skipped. */
function unreadable(error: unknown, file: string): UnmeasurableError | null {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== "EACCES" && code !== "EPERM") return null;
  return new UnmeasurableError(`${file} cannot be read (${(error as Error).message})`);
}
