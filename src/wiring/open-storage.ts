import path from "node:path";
import type { Logger } from "pino";
import { LogFiles } from "../backends/local/log-files.js";
import type { Config } from "../config/config.js";
import type { EventBacklogOptions } from "../core/event-backlog.js";
import type { Atomically, Clock } from "../core/ports.js";
import { atomicallyIn } from "../store/atomically.js";
import { keepBuildNumbersAhead } from "../store/build-number-mark.js";
import { type Db, openDatabase } from "../store/open-database.js";
import { RetentionPruner } from "../store/retention-pruner.js";
import { SqliteBuildStore } from "../store/sqlite-build-store.js";
import { SqliteDeployStore } from "../store/sqlite-deploy-store.js";
import { SqliteOutbox } from "../store/sqlite-outbox.js";
import { StorageGuard } from "../store/storage-guard.js";
import { startWalCheckpointer, type WalCheckpointer } from "../store/wal-checkpointer.js";

/** The database, what lives in it and what keeps it in shape, opened once for the app (createApp, app.ts). */
export interface Storage {
  readonly db: Db;
  readonly store: SqliteBuildStore;
  /** Deploys' records, decisions, locks and lock events (issue 20). */
  readonly deploys: SqliteDeployStore;
  /** Builds and the outbox share this database: a state change and its posts commit together. */
  readonly atomically: Atomically;
  /** The outbox's rows of one status sink ("chat", "forge", …), behind the disk-full guard. */
  outbox(sink: string): SqliteOutbox;
  /** The admin's log of build events a full disk holds back in memory (BuildService's backlog). */
  readonly backlog: Pick<EventBacklogOptions, "onHeld" | "onDropped">;
  /**
   * Starts pruning old history (config.retention) and checkpoints on their own thread
   * (store/wal-checkpointer.ts) unless `backgroundCheckpoints` is false.
   */
  start(backgroundCheckpoints: boolean): void;
  /** Stops both, then closes the database. */
  close(): Promise<void>;
}

/** How often a full disk is logged while it stays full (every write would otherwise log it). */
const DISK_FULL_LOG_EVERY_MS = 30_000;

export function openStorage(config: Config, logger: Logger, clock: Clock): Storage {
  // data_dir exists, 0700 and slashbuild's: createApp made it (store/make-data-dir.ts) before the sandbox.
  const dbFile = path.join(config.dataDir, "slashbuild.db");
  const db = openDatabase(dbFile);
  const guard = storageGuard(dbFile, logger, clock);
  let checkpointer: WalCheckpointer | undefined;
  const logsRoot = path.join(config.dataDir, "logs");
  const artifactsRoot = path.join(config.dataDir, "artifacts");
  const pruner = new RetentionPruner({
    db,
    retention: config.retention,
    logsRoot,
    artifactsRoot,
    clock,
    logger,
  });
  const inTransaction = atomicallyIn(db);
  // A restored backup must not hand out numbers (and log folders) that builds already had.
  const highestLog = new LogFiles(config.dataDir).highestBuildId();
  const numbers = keepBuildNumbersAhead(db, config.dataDir, highestLog, logger);
  return {
    db,
    store: new SqliteBuildStore(db, guard, numbers),
    deploys: new SqliteDeployStore(db, guard),
    atomically: (work) => guard.run(() => inTransaction(work)),
    outbox: (sink) => new SqliteOutbox(db, clock, guard, sink),
    backlog: {
      onHeld: (event) =>
        logger.warn(
          { buildId: event.buildId, event: event.type },
          `build #${event.buildId}'s progress cannot be stored while the disk is full: kept in memory and stored once there is room`,
        ),
      onDropped: (event, err) =>
        logger.error(
          { buildId: event.buildId, event: event.type, err },
          "a held-back build event could not be stored",
        ),
    },
    start(backgroundCheckpoints) {
      if (backgroundCheckpoints) checkpointer ??= startWalCheckpointer(db, dbFile, logger);
      pruner.start();
    },
    async close() {
      await pruner.stop();
      await checkpointer?.stop();
      db.close();
    },
  };
}

/** Writes fail as STORAGE_FULL when the disk is full; the admin's log names the file, at most every 30 s. */
function storageGuard(file: string, logger: Logger, clock: Clock): StorageGuard {
  let loggedAt = Number.NEGATIVE_INFINITY;
  return new StorageGuard(file, (path, error) => {
    if (clock() - loggedAt < DISK_FULL_LOG_EVERY_MS) return;
    loggedAt = clock();
    logger.error(
      { err: error, path },
      `disk full: slashbuild cannot write its database ${path}; builds cannot be stored and status posts are paused until space is freed on that filesystem`,
    );
  });
}
