import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { LogFiles } from "../backends/local/log-files.js";
import type { Announcements } from "../chat/chat-platform.js";
import { type DeployPosts, withDeployPosts, withDeploysAnnounced } from "../chat/deploy-chat.js";
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
import type { SinkFilter } from "../notify/ports.js";
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
  /** How it says deploys in posts of its own (chat/deploy-chat.ts); null = it has none. */
  readonly deploys: DeployPosts | null;
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
  const channelFilter = withDeploysAnnounced(
    repoNotifyFilter(config, (build) => storage.store.previousVerdict(build)),
  );
  const chatSinks = chats.flatMap(({ platform, connection }) =>
    connection.announcements
      ? [chatSink(config, platform.displayNames[0], connection.announcements, channelFilter, parts)]
      : [],
  );
  // A person's own choice (`/build notify me …`) holds whatever the repo's channel hears.
  const directSinks = chats.flatMap(({ platform, connection }) =>
    connection.directMessages
      ? [chatSink(config, platform.displayNames[0], connection.directMessages, null, parts)]
      : [],
  );
  // Commit statuses: no filter, every moment counts. Every known secret is masked here as in chat:
  // a deploy's reason (a rejection typed in chat) may name an environment's secret.
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
    secrets: parts.secrets,
  });
  const forge = { ...statuses, outbox, deploys: null };
  return { chat: chatSinks, statuses: forge, all: [...chatSinks, ...directSinks, forge] };
}

/** One chat platform's sink (its channel posts, or its direct messages) on its own outbox rows. */
function chatSink(
  config: Config,
  peer: string,
  posts: Announcements,
  filter: SinkFilter | null,
  parts: SinkParts,
): WiredSink {
  const { storage, clock, logger } = parts;
  const outbox = storage.outbox(posts.sink);
  const deploys = posts.deploys ?? null;
  const findDeploy = (buildId: number) => storage.deploys.get(buildId);
  const sink = createStatusSink(config, {
    outbox,
    transport: posts.transport,
    peer,
    formatter: deploys ? withDeployPosts(posts.formatter, deploys, findDeploy) : posts.formatter,
    ...(filter ? { filter } : {}),
    logs: parts.logs,
    paced: posts.paced,
    ...(posts.digest ? { digest: posts.digest } : {}),
    logger,
    clock,
    secrets: parts.secrets,
    onDelivered: (message, at) =>
      parts.metrics.deliveryLatency.observe({ sink: posts.mode }, Math.max(0, at - message.createdAt) / 1000),
  });
  return { ...sink, outbox, deploys };
}

/**
 * The core's one StatusNotifier: every sink hears every moment, chat's first (its destination
 * answers /build), then whoever else listens (the deploys' observer).
 */
export function notifierOf(sinks: readonly WiredSink[], ...others: SettlingNotifier[]): SettlingNotifier {
  return fanOutNotifier([...sinks.map((sink) => sink.notifier), ...others]);
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
