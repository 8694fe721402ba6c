import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { LogFiles } from "../backends/local/log-files.js";
import type { OpenChat } from "../chat/open-chats.js";
import type { Config } from "../config/config.js";
import type { Build } from "../core/build.js";
import type { Clock } from "../core/ports.js";
import type { ConfiguredForges } from "../forges/configured-forges.js";
import { commitStatusFormatter } from "../forges/status/commit-status-formatter.js";
import { createCommitStatusTransport } from "../forges/status/commit-status-transport.js";
import type { Metrics } from "../metrics/metrics.js";
import { createStatusSink, type StatusSink } from "../notify/create-status-sink.js";
import { fanOutNotifier, type SettlingNotifier } from "../notify/fan-out-notifier.js";
import { repoNotifyFilter } from "../notify/notify-policy.js";
import type { SqliteOutbox } from "../store/sqlite-outbox.js";
import type { Storage } from "./open-storage.js";

/**
 * Every status sink of the app, in one list: each announcing chat platform's, then the Git hosts'
 * commit statuses. Each has its own outbox rows and deliverer, so one peer that is down or
 * rate-limits never holds another's posts back; starting and stopping go over the list, so a new
 * sink needs no edit here.
 */

export interface WiredSink extends StatusSink {
  /** Its outbox rows (the table's `sink` column). */
  readonly outbox: SqliteOutbox;
}

export interface StatusSinks {
  /** Each announcing chat platform's, in the platform list's order. */
  readonly chat: readonly WiredSink[];
  /** The Git hosts' commit statuses. */
  readonly statuses: WiredSink;
  /** All of them: what starts and stops. */
  readonly all: readonly WiredSink[];
}

export interface SinkParts {
  readonly storage: Storage;
  readonly forges: ConfiguredForges;
  /** The embedded runner's step logs (the files local.logs reads), for chat's failure excerpts. */
  readonly logs: LogFiles;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly secrets: readonly string[];
}

export function statusSinks(config: Config, chats: readonly OpenChat[], parts: SinkParts): StatusSinks {
  const { storage, clock, logger } = parts;
  const chatSinks = chats.flatMap(({ platform, connection }) => {
    const posts = connection.announcements;
    if (!posts) return [];
    const outbox = storage.outbox(posts.sink);
    const sink = createStatusSink(config, {
      outbox,
      transport: posts.transport,
      peer: platform.displayNames[0],
      formatter: posts.formatter,
      filter: repoNotifyFilter(config, (build) => storage.store.previousVerdict(build)),
      logs: parts.logs,
      paced: posts.paced,
      ...(posts.digest ? { digest: posts.digest } : {}),
      logger,
      clock,
      secrets: parts.secrets,
      onDelivered: (message, at) =>
        parts.metrics.deliveryLatency.observe(
          { sink: posts.mode },
          Math.max(0, at - message.createdAt) / 1000,
        ),
    });
    return [{ ...sink, outbox }];
  });
  // Commit statuses: no filter, every moment counts.
  const outbox = storage.outbox("forge");
  const transport = createCommitStatusTransport({
    forges: parts.forges,
    timeoutMs: config.delivery.timeoutMs,
    clock,
  });
  const statuses = createStatusSink(config, {
    outbox,
    transport,
    peer: "the Git host",
    formatter: commitStatusFormatter(config),
    paced: false,
    logger,
    clock,
  });
  const forge = { ...statuses, outbox };
  return { chat: chatSinks, statuses: forge, all: [...chatSinks, forge] };
}

/** The core's one StatusNotifier: every sink hears every moment, chat's first (its destination answers /build). */
export function notifierOf(sinks: readonly WiredSink[]): SettlingNotifier {
  return fanOutNotifier(sinks.map((sink) => sink.notifier));
}

/** Finish posts a crash left as drafts (their excerpt was being read) are completed, then delivery starts. */
export function resumeSinks(sinks: readonly WiredSink[], findBuild: (id: number) => Build | undefined): void {
  for (const sink of sinks) sink.notifier.resumeDrafts(findBuild);
}

export function startSinks(sinks: readonly WiredSink[]): void {
  for (const sink of sinks) sink.deliverer.start();
}

/** How long a graceful stop waits for pending status posts before leaving them for the next start. */
const DRAIN_MS = 5000;

/** Every finish with its excerpt stored, pending posts given DRAIN_MS to go out, then the deliverers stopped. */
export async function closeSinks(sinks: readonly WiredSink[]): Promise<void> {
  await Promise.all(sinks.map((sink) => sink.notifier.settled()));
  const deadline = Date.now() + DRAIN_MS;
  const pending = () => sinks.reduce((sum, sink) => sum + sink.outbox.pendingCount(), 0);
  while (pending() > 0 && Date.now() < deadline) await sleep(50);
  for (const sink of sinks) await sink.deliverer.stop();
}
