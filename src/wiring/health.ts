import type { BuildbotBackend } from "../backends/buildbot/buildbot-backend.js";
import { workspacesDir } from "../backends/local/workspaces-dir.js";
import type { OpenChat } from "../chat/open-chats.js";
import type { Config } from "../config/config.js";
import type { Clock, CommandExtras } from "../core/ports.js";
import { databaseCheck, diskCheck, reachableCheck } from "../health/checks.js";
import { checkReadiness, type Readiness } from "../health/readiness.js";
import type { SqliteBuildStore } from "../store/sqlite-build-store.js";
import type { SqliteOutbox } from "../store/sqlite-outbox.js";
import type { Storage } from "./open-storage.js";

/**
 * Whether slashbuild can do its job (/readyz, /metrics, `/build health`): the database takes a
 * write, the disk has room, and each peer that can be asked answers (a chat platform's probe,
 * named after it; Buildbot's master).
 */
export function readinessOf(
  config: Config,
  storage: Storage,
  chats: readonly OpenChat[],
  buildbot: BuildbotBackend | null,
): () => Promise<Readiness> {
  const checks = [
    databaseCheck(storage.db),
    diskCheck([config.dataDir, workspacesDir(config)], config.health.minFreeDiskBytes),
    ...chats.flatMap(({ platform, connection }) => {
      const { probe } = connection;
      return probe ? [reachableCheck(platform.name, probe)] : [];
    }),
    ...(buildbot ? [reachableCheck("buildbot", () => buildbot.client.ping())] : []),
  ];
  return () => checkReadiness(checks);
}

/** `/build health`: readiness, with the queue and the chat outbox, ages relative to now. */
export function commandExtras(
  readiness: () => Promise<Readiness>,
  store: SqliteBuildStore,
  outbox: SqliteOutbox,
  clock: Clock,
): CommandExtras {
  return {
    health: async () => {
      const [result, queue, pending] = [await readiness(), store.queueSummary(), outbox.pendingSummary()];
      const age = (at: number | null) => (at === null ? null : clock() - at);
      return {
        ...result,
        queue: { depth: queue.depth, oldestAgeMs: age(queue.oldestCreatedAt) },
        outbox: { pending: pending.pending, oldestAgeMs: age(pending.oldestCreatedAt) },
      };
    },
  };
}
