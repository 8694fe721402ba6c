import { lstatSync, readdirSync, type Stats } from "node:fs";
import path from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Every entry counts at least this much: an empty file still takes an inode and a directory
 * entry, so a million of them is not "nothing", and a walk's length stays bounded by the limit
 * (at most limit / 4 KiB entries are visited before the walk stops).
 */
export const MIN_ENTRY_BYTES = 4096;
/**
 * The walk is synchronous system calls in slices of at most this long, with a turn of the event
 * loop between them: a thread-pool round trip per entry made a walk 5-10x slower (bench/build-limits.ts),
 * and a slice this short holds no request back noticeably.
 */
const SLICE_MS = 2;

/** The workspace could not be read through: a build hid part of it from the check. */
export class UnmeasurableError extends Error {}

/**
 * Bytes a directory tree takes on disk (allocated blocks, not apparent sizes: a sparse file counts
 * what it holds), each entry at least MIN_ENTRY_BYTES, each multiply-linked file once, never
 * crossing into another filesystem nor following a symlink. Stops as soon as the total passes
 * `stopAbove`, so a check of a limit costs at most limit / MIN_ENTRY_BYTES entries, whatever
 * the tree holds. Entries that vanish while it walks are skipped (the build keeps running).
 * Synchronous calls in slices of SLICE_MS: the walk takes the main thread in short turns.
 *
 * A folder slashbuild cannot read (unprivileged, a build's files are slashbuild's uid's, and the
 * build may take the owner's read bit away) is UnmeasurableError: the caller decides how long to
 * tolerate it. Nothing is changed in the workspace to read it.
 */
export async function measureDiskUsage(root: string, stopAbove = Number.POSITIVE_INFINITY): Promise<number> {
  const top = statOf(root);
  if (!top) return 0;
  let total = entryBytes(top);
  const linked = new Set<number>();
  const dirs = [root];
  let sliceStart = performance.now();
  while (dirs.length > 0 && total <= stopAbove) {
    const dir = dirs.pop() as string;
    for (const name of listDir(dir)) {
      const file = path.join(dir, name);
      const stat = statOf(file);
      if (!stat || stat.dev !== top.dev) continue;
      if (!stat.isDirectory() && stat.nlink > 1) {
        if (linked.has(stat.ino)) continue;
        linked.add(stat.ino);
      }
      total += entryBytes(stat);
      if (total > stopAbove) break;
      if (stat.isDirectory()) dirs.push(file);
      if (performance.now() - sliceStart >= SLICE_MS) {
        await nextTurn();
        sliceStart = performance.now();
      }
    }
  }
  return total;
}

function entryBytes(stat: Stats): number {
  return Math.max(stat.blocks * 512, MIN_ENTRY_BYTES);
}

/** An entry's stat; null when it vanished while the walk ran. */
function statOf(file: string): Stats | null {
  try {
    return lstatSync(file);
  } catch (error) {
    const hidden = unreadable(error, file);
    if (hidden) throw hidden;
    return null;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
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
