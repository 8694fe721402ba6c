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
 * (they never block the writer or readers) every INTERVAL_MS. If the worker ever fails, the
 * connection goes back to checkpointing itself, so the WAL can never grow without bound.
 */

const INTERVAL_MS = 200;
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

/** The worker: CommonJS, evaluated (so it runs the same from src/ under tsx and vitest, and from dist/). */
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma("busy_timeout = 5000");
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    clearInterval(timer);
    throw error;
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

export function startWalCheckpointer(db: Db, file: string, logger: Logger): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  db.pragma("wal_autocheckpoint = 0");
  let stopping = false;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, driver, intervalMs: INTERVAL_MS },
  });
  // A checkpointing thread must not keep a process alive that has nothing else to do.
  worker.unref();
  const fallBack = (why: unknown): void => {
    if (stopping || !db.open) return;
    db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    logger.warn({ err: why }, "the WAL checkpoint thread stopped: the database checkpoints on commit again");
  };
  worker.on("error", fallBack);
  worker.on("exit", (code) => fallBack(new Error(`checkpoint thread exited with code ${code}`)));
  return {
    async stop() {
      stopping = true;
      // Held until the thread is gone: an unreferenced thread and timer alone would let Node exit
      // mid-await (exit code 13) once the server was closed.
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.postMessage("stop");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
      if (db.open) db.pragma("wal_checkpoint(PASSIVE)");
    },
  };
}
