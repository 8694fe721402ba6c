import type { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { LocalBackend } from "./backends/local/local-backend.js";
import type { ChatPlatforms } from "./chat/chat-platform.js";
import type { Config } from "./config/config.js";
import type { BuildService } from "./core/build-service.js";
import type { Clock } from "./core/ports.js";
import type { ForgeHosts } from "./forges/forge-host.js";
import type { Metrics } from "./metrics/metrics.js";
import type { SqliteBuildStore } from "./store/sqlite-build-store.js";
import type { SqliteOutbox } from "./store/sqlite-outbox.js";

/** What createApp (app.ts) takes besides the config, and the service it returns. */

export interface AppDeps {
  /** Where the console prints status posts when no chat platform announces them; default stdout. */
  readonly out?: Writable;
  readonly logger?: Logger;
  /** How chat platforms reach their APIs (tests: a fake Mattermost); Buildbot and Git hosts keep the real one. */
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  /** How the scheduler waits (tests pass a virtual clock's sleep); default: real timers. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * WAL checkpoints on their own thread (store/wal-checkpointer.ts); default true. false leaves
   * them to SQLite, inside commits: the disk-full test needs writes that must grow the WAL, and
   * checkpoints every 200 ms let small writes reuse its space.
   */
  readonly backgroundCheckpoints?: boolean;
  /** The Git hosts served (forges/forge-hosts.ts, FORGE_HOSTS by default); a test adds one to it. */
  readonly forgeHosts?: ForgeHosts;
  /** The chat platforms served (chat/chat-platforms.ts, CHAT_PLATFORMS by default); a test adds one to it. */
  readonly chatPlatforms?: ChatPlatforms;
}

export interface App {
  readonly config: Config;
  readonly server: FastifyInstance;
  readonly service: BuildService;
  /** The build records, for tests that seed history; the running service reads them through BuildService. */
  readonly store: SqliteBuildStore;
  readonly local: LocalBackend;
  /** Status posts of the first chat platform that announces builds (Mattermost's or the console's: sink "chat"). */
  readonly outbox: SqliteOutbox;
  /** Commit statuses waiting for (or delivered to) the Git host: the outbox's "forge" sink. */
  readonly statusOutbox: SqliteOutbox;
  readonly metrics: Metrics;
  /** Settles what the last process left unfinished and starts delivering status posts. Does not listen. */
  start(): Promise<void>;
  /** Graceful stop: no new requests, running builds reported interrupted, pending posts given a moment to go out. */
  close(): Promise<void>;
}
