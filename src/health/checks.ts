import { statfs } from "node:fs/promises";
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

/** Free space for data_dir: builds write logs and the outbox writes every post there. */
export function diskCheck(dataDir: string, minFreeBytes: number): ReadinessCheck {
  return {
    name: "disk",
    async run(): Promise<CheckOutcome> {
      const stats = await statfs(dataDir);
      const free = Number(stats.bavail) * Number(stats.bsize);
      const detail = `${formatBytes(free)} free in ${dataDir}`;
      return free >= minFreeBytes
        ? { ok: true, detail }
        : { ok: false, detail: `${detail}, below health.min_free_disk (${formatBytes(minFreeBytes)})` };
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

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
