import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { Db } from "./open-database.js";

/**
 * WAL checkpoints off the event loop. By default SQLite checkpoints inside the commit that pushes
 * the WAL past 1000 pages: with ~9 pages per acknowledged build, one /build in ~110 paid for
 * copying the WAL into the database and its fsyncs, which set the acknowledgement's p99 (15 ms
 * against 7 ms without them, on the real serve process; docs/benchmarks.md). Here the service's
 * connection never checkpoints; a worker thread with its own connection runs PASSIVE checkpoints
 * (they never block the writer or readers) every INTERVAL_MS.
 *
 * A checkpoint can fail (a full disk cannot take the pages the database grows by) and the thread
 * then ends. The connection goes back to checkpointing itself at once, so the WAL can never grow
 * without bound, and a new thread is started after a backoff; once it has checkpointed, commits
 * are free of checkpoints again (issue 22).
 */

const INTERVAL_MS = 200;
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;
export const FIRST_RESTART_MS = 1000;
const MAX_RESTART_MS = 60_000;

/** The worker: CommonJS, evaluated (so it runs the same from src/ under tsx and vitest, and from dist/). */
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma("busy_timeout = 5000");
let told = false;
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    clearInterval(timer);
    throw error;
  }
  if (!told) {
    told = true;
    parentPort.postMessage("checkpointed");
  }
}, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointer {
  /** Stops the worker after a last checkpoint of the service's connection's own. */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  /** Wait before the first restart of a failed thread; it doubles with each failure, up to a minute. */
  readonly firstRestartMs?: number;
}

export function startWalCheckpointer(
  db: Db,
  file: string,
  logger: Pick<Logger, "warn" | "info">,
  options: CheckpointerOptions = {},
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const firstRestartMs = options.firstRestartMs ?? FIRST_RESTART_MS;
  let restartMs = firstRestartMs;
  let stopping = false;
  let failing = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let worker: Worker;
  /** Resolves when `worker` has exited (at once for one that failed and awaits its restart). */
  let gone: Promise<void>;

  const failed = (which: Worker, why: unknown): void => {
    if (which !== worker || stopping || !db.open) return;
    db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    // Once per streak of failures: a disk that stays full would otherwise log at every restart.
    if (!failing) {
      logger.warn(
        { err: why },
        "the WAL checkpoint thread stopped: the database checkpoints on commit again, and the thread restarts",
      );
    }
    failing = true;
    restartTimer = setTimeout(() => {
      if (!stopping && db.open) start();
    }, restartMs);
    restartTimer.unref();
    restartMs = Math.min(restartMs * 2, MAX_RESTART_MS);
  };

  const start = (): void => {
    const current = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, driver, intervalMs: INTERVAL_MS },
    });
    worker = current;
    gone = new Promise((resolve) => current.once("exit", () => resolve()));
    current.on("message", () => {
      if (current !== worker || stopping || !db.open) return;
      // It has checkpointed: commits can leave checkpoints to it (again).
      db.pragma("wal_autocheckpoint = 0");
      restartMs = firstRestartMs;
      if (failing) logger.info("the WAL checkpoint thread runs again");
      failing = false;
    });
    current.on("error", (error) => failed(current, error));
    current.on("exit", (code) => failed(current, new Error(`checkpoint thread exited with code ${code}`)));
    // A checkpointing thread must not keep a process alive that has nothing else to do (after the
    // listeners: a "message" listener references the thread's port again).
    current.unref();
  };

  db.pragma("wal_autocheckpoint = 0");
  start();
  return {
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      const current = worker;
      // Held until the thread is gone: an unreferenced thread and timer alone would let Node exit
      // mid-await (exit code 13) once the server was closed.
      current.ref();
      current.postMessage("stop");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
      await current.terminate();
      if (db.open) db.pragma("wal_checkpoint(PASSIVE)");
    },
  };
}
