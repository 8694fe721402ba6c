import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Clock } from "../core/ports.js";
import type { Db } from "./open-database.js";
import { SqliteRetention } from "./sqlite-retention.js";

/** pino-compatible subset. */
export interface PruneLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What to keep (config's `retention`, structurally: store/ does not depend on config/). */
export interface RetentionPolicy {
  readonly buildsPerRepo: number;
  readonly logsMs: number;
  readonly deliveredPostsMs: number;
  readonly intervalMs: number;
  /** Kept artifacts; absent = DEFAULT_ARTIFACTS_MS. */
  readonly artifactsMs?: number;
}

export interface PruneReport {
  readonly builds: number;
  readonly posts: number;
  readonly logs: number;
  readonly deliveries: number;
  readonly artifacts: number;
}

/** `retention.artifacts`' default: a week. */
export const DEFAULT_ARTIFACTS_MS = 7 * 24 * 60 * 60_000;

/**
 * How long a webhook's delivery id is remembered. GitHub offers redelivery of the last 3 days'
 * deliveries, GitLab resends recent events; a week covers both with room to spare.
 */
export const WEBHOOK_DELIVERY_MEMORY_MS = 7 * 24 * 60 * 60_000;

export interface RetentionPrunerOptions {
  readonly db: Db;
  readonly retention: RetentionPolicy;
  /** `<dataDir>/logs`: one directory per build id (backends/local/log-files.ts). */
  readonly logsRoot: string;
  /** `<dataDir>/artifacts`: one directory per build id (backends/local/artifacts/artifact-shelf.ts); absent = none. */
  readonly artifactsRoot?: string;
  readonly clock?: Clock;
  readonly logger?: PruneLogger;
  /** Rows per transaction; between batches the event loop serves requests. */
  readonly batch?: number;
}

/**
 * Applies the retention settings in the background: every `interval`, old finished builds beyond
 * the newest `builds_per_repo` of each repo, sent posts older than `delivered_posts`, webhook
 * delivery ids older than a week, step logs older than `logs` and artifacts older than `artifacts`. Work is cut into small transactions with a turn of the event loop between
 * them, so an acknowledgement never waits for more than one batch. Build ids are never reused
 * (the builds table is AUTOINCREMENT), so links to pruned builds say "no build" instead of
 * showing another one.
 */
export class RetentionPruner {
  readonly #options: RetentionPrunerOptions;
  readonly #sql: SqliteRetention;
  readonly #clock: Clock;
  readonly #batch: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<PruneReport> | null = null;
  #stopped = false;

  constructor(options: RetentionPrunerOptions) {
    this.#options = options;
    this.#sql = new SqliteRetention(options.db);
    this.#clock = options.clock ?? Date.now;
    this.#batch = options.batch ?? 200;
  }

  /** Runs once soon, then every interval. */
  start(): void {
    this.#stopped = false;
    this.#schedule(5_000);
  }

  /** Stops the schedule and waits for a pass in progress (it ends after its current batch). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  /** One full pass (also what tests call). */
  pruneNow(): Promise<PruneReport> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.pruneNow()
        .then((report) => {
          if (Object.values(report).some((count) => count > 0))
            this.#options.logger?.info({ ...report }, "retention: pruned old history");
        })
        .catch((error: unknown) => this.#options.logger?.warn({ err: error }, "retention pass failed"))
        .finally(() => this.#schedule(this.#options.retention.intervalMs));
    }, ms);
    this.#timer.unref();
  }

  async #pass(): Promise<PruneReport> {
    const { retention } = this.#options;
    const now = this.#clock();
    let builds = 0;
    let posts = 0;
    const deletedIds: number[] = [];
    for (let repo = this.#sql.nextRepo(""); repo !== undefined; repo = this.#sql.nextRepo(repo)) {
      for (;;) {
        if (this.#stopped) return { builds, posts, logs: 0, deliveries: 0, artifacts: 0 };
        const ids = this.#sql.pruneBuilds(repo, retention.buildsPerRepo, this.#batch);
        builds += ids.length;
        deletedIds.push(...ids);
        await yieldToEventLoop();
        if (ids.length < this.#batch) break;
      }
    }
    for (;;) {
      if (this.#stopped) return { builds, posts, logs: 0, deliveries: 0, artifacts: 0 };
      const n = this.#sql.pruneSentPosts(now - retention.deliveredPostsMs, this.#batch);
      posts += n;
      await yieldToEventLoop();
      if (n < this.#batch) break;
    }
    let deliveries = 0;
    for (;;) {
      if (this.#stopped) return { builds, posts, logs: 0, deliveries, artifacts: 0 };
      const n = this.#sql.pruneDeliveries(now - WEBHOOK_DELIVERY_MEMORY_MS, this.#batch);
      deliveries += n;
      await yieldToEventLoop();
      if (n < this.#batch) break;
    }
    const logs = await this.#pruneDirs(this.#options.logsRoot, now - retention.logsMs);
    const { artifactsRoot } = this.#options;
    const artifactsMs = retention.artifactsMs ?? DEFAULT_ARTIFACTS_MS;
    const artifacts = artifactsRoot ? await this.#pruneDirs(artifactsRoot, now - artifactsMs) : 0;
    return { builds, posts, logs, deliveries, artifacts };
  }

  /** Per-build directories (logs, artifacts) of builds deleted above, or finished before `before`. */
  async #pruneDirs(root: string, before: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw error;
    }
    const ids = names.filter((name) => /^\d{1,15}$/.test(name)).map(Number);
    let removed = 0;
    for (let i = 0; i < ids.length && !this.#stopped; i += this.#batch) {
      for (const id of this.#sql.expiredLogs(ids.slice(i, i + this.#batch), before)) {
        await rm(path.join(root, String(id)), { recursive: true, force: true });
        removed++;
      }
      await yieldToEventLoop();
    }
    return removed;
  }
}
