import { statfs } from "node:fs/promises";
import { formatBytes } from "../../core/format-bytes.js";
import { measureDiskUsage, UnmeasurableError } from "./measure-disk-usage.js";

export interface DiskWatchOptions {
  /** The build's workspace. */
  readonly dir: string;
  /** limits.disk. */
  readonly limitBytes: number;
  /** Called once, with the reason the build ends, when it passed the limit. */
  readonly onOver: (reason: string) => void;
  /** How often the filesystem's use is read (one statfs); default 1 s. */
  readonly tickMs?: number;
  /** The workspace is walked at least this often, whatever the filesystem says; default 30 s. */
  readonly walkEveryMs?: number;
  /** Consecutive walks that could not read the whole workspace before the build ends; default 3. */
  readonly unreadableWalks?: number;
}

export interface DiskWatch {
  stop(): void;
}

const TICK_MS = 1000;
const WALK_EVERY_MS = 30_000;
const UNREADABLE_WALKS = 3;

/**
 * Watches a running build's workspace against limits.disk at a flat cost. Every tick reads the
 * filesystem's used space (one statfs, whatever the workspace holds); the workspace is walked only
 * when the filesystem grew by as much as the build's room left under the limit since the last walk
 * (the build cannot have grown by more than the whole filesystem did), and at least every
 * `walkEveryMs` (space freed elsewhere meanwhile could hide growth). A walk stops as soon as it
 * passes the limit. So a build writing at full speed is caught within about a tick, and a quiet
 * one costs a statfs a second.
 */
export function watchDisk(options: DiskWatchOptions): DiskWatch {
  const tickMs = options.tickMs ?? TICK_MS;
  const walkEveryMs = options.walkEveryMs ?? WALK_EVERY_MS;
  const limit = options.limitBytes;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let usage = 0;
  let usedAtWalk = 0;
  let walkedAt = 0;
  let unreadable = 0;

  const over = (reason: string): void => {
    stopped = true;
    options.onOver(reason);
  };
  const walk = async (used: number): Promise<void> => {
    usedAtWalk = used;
    walkedAt = Date.now();
    try {
      usage = await measureDiskUsage(options.dir, limit);
      unreadable = 0;
    } catch (error) {
      if (!(error instanceof UnmeasurableError)) throw error;
      // Tolerated for a moment (a test may lock a folder briefly); a hidden tree is not.
      if (++unreadable >= (options.unreadableWalks ?? UNREADABLE_WALKS)) {
        over(`slashbuild could not measure the workspace against limits.disk: ${error.message}`);
      }
      walkedAt = 0; // again at the next tick
      return;
    }
    if (!stopped && usage > limit) {
      over(
        `the workspace took more than limits.disk (${formatBytes(limit)}) on disk; the build was stopped. Raise the repo's limits.disk if it needs more`,
      );
    }
  };
  const tick = async (first: boolean): Promise<void> => {
    const used = await usedBytes(options.dir);
    if (stopped) return;
    if (first || used - usedAtWalk >= limit - usage || Date.now() - walkedAt >= walkEveryMs) await walk(used);
  };
  const loop = (first: boolean): void => {
    tick(first)
      .catch(() => {}) // the workspace went away (the build is ending): nothing to measure
      .finally(() => {
        if (!stopped) timer = setTimeout(() => loop(false), tickMs);
      });
  };
  loop(true);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** The filesystem's used bytes, as `df` counts them (space reserved for root included). */
async function usedBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return (Number(stats.blocks) - Number(stats.bfree)) * Number(stats.bsize);
}
