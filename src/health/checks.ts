import { stat, statfs } from "node:fs/promises";
import { formatBytes } from "../core/format-bytes.js";
import type { Db } from "../store/open-database.js";
import type { CheckOutcome, ReadinessCheck } from "./readiness.js";

/** The database takes a write: a committed transaction, not just a read (a read-only mount or a lock fails it). */
export function databaseCheck(db: Db): ReadinessCheck {
  return {
    name: "database",
    async run() {
      // Rewriting user_version with its own value is a real, committed write that changes nothing.
      db.transaction(() => {
        const version = db.pragma("user_version", { simple: true }) as number;
        db.pragma(`user_version = ${version}`);
      }).immediate();
      return { ok: true, detail: "writable" };
    },
  };
}

/**
 * Free space where slashbuild writes: data_dir (the database, logs and mirrors; the outbox writes
 * every post there) and, when it is elsewhere, runner.workspaces_dir. One line per filesystem.
 */
export function diskCheck(dirs: readonly string[], minFreeBytes: number): ReadinessCheck {
  return {
    name: "disk",
    async run(): Promise<CheckOutcome> {
      const devices = new Set<number>();
      const parts: string[] = [];
      let ok = true;
      for (const dir of dirs) {
        const device = await stat(dir).then(
          (found) => found.dev,
          () => null,
        );
        if (device !== null && devices.has(device)) continue;
        if (device !== null) devices.add(device);
        const stats = await statfs(dir);
        const free = Number(stats.bavail) * Number(stats.bsize);
        ok &&= free >= minFreeBytes;
        parts.push(`${formatBytes(free)} free in ${dir}`);
      }
      const detail = parts.join(", ");
      return ok
        ? { ok, detail }
        : { ok, detail: `${detail}, below health.min_free_disk (${formatBytes(minFreeBytes)})` };
    },
  };
}

/** A backend probed over the network: `probe` resolves when it answers and throws with the reason when not. */
export function reachableCheck(name: string, probe: () => Promise<void>): ReadinessCheck {
  return {
    name,
    async run() {
      await probe();
      return { ok: true, detail: "reachable" };
    },
  };
}
