import { statfsSync } from "node:fs";
import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import { formatBytes } from "../../core/format-bytes.js";
import { workspacesDir } from "./workspaces-dir.js";

/** While below the floor, how often the queue looks again (space freed wakes nothing else). */
export const FLOOR_RETRY_MS = 5000;

/**
 * The free-space floor for starting builds: a build writes its workspace, its log and events into
 * the database, so none starts while data_dir's filesystem (the database's) or the workspaces'
 * has less than `minFreeBytes` free (health.min_free_disk, the same line /readyz draws). They
 * wait queued and start once space is back. One statfs per folder: the same cost at any size.
 */
export class StartFloor {
  readonly #dirs: readonly string[];
  readonly #minFreeBytes: number;
  readonly #logger: Logger | undefined;
  #below = false;
  #retry: NodeJS.Timeout | null = null;

  constructor(config: Pick<Config, "dataDir" | "runner" | "health">, logger?: Logger) {
    this.#dirs = [config.dataDir, workspacesDir(config)];
    this.#minFreeBytes = config.health.minFreeDiskBytes;
    this.#logger = logger;
  }

  /**
   * Whether builds must wait now; says so in the log once when it starts, and when it ends. While
   * they wait, `lookAgain` is called after FLOOR_RETRY_MS (nothing else wakes the queue when space
   * is freed), and the floor holds without a statfs until then.
   */
  holds(lookAgain: () => void): boolean {
    if (this.#retry) return true;
    const short = this.#shortest();
    if (short && !this.#below) {
      this.#logger?.warn(
        { dir: short.dir, freeBytes: short.free, configKey: "health.min_free_disk" },
        `builds wait queued: ${formatBytes(short.free)} free in ${short.dir}, below health.min_free_disk (${formatBytes(this.#minFreeBytes)}); free some space and they start`,
      );
    } else if (!short && this.#below) {
      this.#logger?.info("free space is back above health.min_free_disk: queued builds start");
    }
    this.#below = short !== null;
    if (this.#below) {
      this.#retry = setTimeout(() => {
        this.#retry = null;
        lookAgain();
      }, FLOOR_RETRY_MS);
    }
    return this.#below;
  }

  /** No looking again (slashbuild is closing). */
  stop(): void {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
  }

  /** The folder with the least free space, when that is below the floor. */
  #shortest(): { dir: string; free: number } | null {
    let shortest: { dir: string; free: number } | null = null;
    for (const dir of this.#dirs) {
      let free: number;
      try {
        const stats = statfsSync(dir);
        free = Number(stats.bavail) * Number(stats.bsize);
      } catch {
        continue; // not made yet: nothing there to run out
      }
      if (free < this.#minFreeBytes && (!shortest || free < shortest.free)) shortest = { dir, free };
    }
    return shortest;
  }
}
