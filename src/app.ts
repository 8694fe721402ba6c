import path from "node:path";
import type { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import { BuildbotBackend } from "./backends/buildbot/buildbot-backend.js";
import { BuildbotLogSource } from "./backends/buildbot/buildbot-log-source.js";
import { buildbotStatusRoute } from "./backends/buildbot/status-route.js";
import { LocalBackend } from "./backends/local/local-backend.js";
import { LogFiles } from "./backends/local/log-files.js";
import { actionRoute } from "./chat/mattermost/action-route.js";
import { deriveActionSecret } from "./chat/mattermost/action-signature.js";
import { chatMode, createMattermostChat } from "./chat/mattermost/create-mattermost-chat.js";
import { SLASH_PATHS, slashRoute } from "./chat/mattermost/slash-route.js";
import type { Config } from "./config/config.js";
import { BuildService } from "./core/build-service.js";
import type { Reply } from "./core/chat-command.js";
import { handleCommand } from "./core/handle-command.js";
import { knownSecrets } from "./core/known-secrets.js";
import { maskText } from "./core/mask-secrets.js";
import type { Clock, CommandExtras } from "./core/ports.js";
import { createLogger } from "./create-logger.js";
import { GitMirrors } from "./git/git-mirrors.js";
import { databaseCheck, diskCheck, reachableCheck } from "./health/checks.js";
import { checkReadiness, type ReadinessCheck } from "./health/readiness.js";
import { errorHandler } from "./http/error-handler.js";
import { healthRoutes } from "./metrics/health-routes.js";
import { countingFetch, Metrics } from "./metrics/metrics.js";
import { createStatusSink } from "./notify/create-status-sink.js";
import { previousVerdict, repoNotifyFilter } from "./notify/notify-policy.js";
import { openDatabase } from "./store/open-database.js";
import { SqliteBuildStore } from "./store/sqlite-build-store.js";
import { SqliteChatPosts } from "./store/sqlite-chat-posts.js";
import { SqliteOutbox } from "./store/sqlite-outbox.js";
import { SqliteWebSessions } from "./store/sqlite-web-sessions.js";
import { fileLogStreamSource } from "./web/log/file-log-stream-source.js";
import { logSourceByBackend, textLogStreamSource } from "./web/log/log-stream-source.js";
import { webRoutes } from "./web/web-routes.js";

export interface AppDeps {
  /** Where console-mode status posts are printed when no webhook is configured. */
  readonly out?: Writable;
  readonly logger?: Logger;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
}

export interface App {
  readonly config: Config;
  readonly server: FastifyInstance;
  readonly service: BuildService;
  /** The build records, for tests that seed history; the running service reads them through BuildService. */
  readonly store: SqliteBuildStore;
  readonly local: LocalBackend;
  readonly outbox: SqliteOutbox;
  readonly metrics: Metrics;
  /** Settles what the last process left unfinished and starts delivering status posts. Does not listen. */
  start(): Promise<void>;
  /** Graceful stop: no new requests, running builds reported interrupted, pending posts given a moment to go out. */
  close(): Promise<void>;
}

/** How long a graceful stop waits for pending status posts before leaving them for the next start. */
const DRAIN_MS = 5000;

/** Builds the whole service from a config. Never listens: main.ts does, tests use inject() or listen(0). */
export async function createApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const clock = deps.clock ?? Date.now;
  // Every secret the service knows, masked wherever text leaves it (issue 8): logs, chat, pages.
  const secrets = [
    ...knownSecrets(config),
    deriveActionSecret(config.mattermost.actionSecret, config.mattermost.tokens),
  ];
  const logger = deps.logger ?? createLogger(config.logLevel, secrets);
  const db = openDatabase(path.join(config.dataDir, "slashbuild.db"));
  const store = new SqliteBuildStore(db);
  const outbox = new SqliteOutbox(db, clock);
  const sink = chatMode(config);
  const queueSnapshot = () => {
    const queued = store.unfinished().filter((b) => b.status === "queued");
    return { depth: queued.length, oldestCreatedAt: queued[0]?.createdAt ?? null };
  };
  // Readiness probes reach objects made below; they only run once requests arrive.
  const readiness = () => checkReadiness(readinessChecks);
  const metrics = new Metrics({
    clock,
    queue: queueSnapshot,
    sink,
    outbox: () => outbox.pendingSummary(),
    checks: async () => (await readiness()).checks,
  });
  const mirrors = new GitMirrors({ dataDir: config.dataDir, logger });
  // Mattermost implements notify/'s ports; notify/ builds the durable path from them.
  const chat = createMattermostChat(config, {
    rootPosts: new SqliteChatPosts(db, clock),
    findBuild: (id) => store.get(id),
    clock,
    secrets,
    out: deps.out ?? process.stdout,
    fetch: countingFetch(deps.fetch ?? fetch, "mattermost", metrics),
  });
  const { notifier, deliverer } = createStatusSink(config, {
    outbox,
    transport: chat.transport,
    formatter: chat.formatter,
    filter: repoNotifyFilter(config, (build) => previousVerdict(store, build)),
    // The embedded runner's step logs (the same files local.logs reads), for failure excerpts.
    logs: new LogFiles(config.dataDir),
    paced: chat.paced,
    logger,
    clock,
    secrets,
    onDelivered: (message, at) =>
      metrics.deliveryLatency.observe({ sink }, Math.max(0, at - message.createdAt) / 1000),
  });
  const service = new BuildService({ config, store, refs: mirrors, notifier, clock });
  const local = new LocalBackend({
    config,
    mirrors,
    sink: service.applyEvent,
    clock,
    logger,
    extraSecrets: secrets,
    onSandboxStartFailure: (repo) => metrics.sandboxStartFailures.inc({ repo }),
  });
  service.attachBackend(local);
  service.subscribe((build, event) => {
    if (event.type === "started") metrics.buildStarted(build);
    else if (event.type === "finished") metrics.buildFinished(build);
  });
  // Builds of repos with `backend: buildbot` run on the master; status returns by push and reconcile.
  // (deps.fetch is Mattermost's in tests, so Buildbot keeps the real fetch.)
  const buildbot = config.buildbot
    ? new BuildbotBackend({
        config,
        buildbot: config.buildbot,
        sink: service.applyEvent,
        clock,
        logger,
        fetch: countingFetch(fetch, "buildbot", metrics),
      })
    : null;
  if (buildbot) service.attachBackend(buildbot);
  const readinessChecks: ReadinessCheck[] = [
    databaseCheck(db),
    diskCheck(config.dataDir, config.health.minFreeDiskBytes),
    ...(sink === "bot"
      ? [
          reachableCheck("mattermost", async () => {
            const problem = await chat.checkBot();
            if (problem) throw new Error(problem);
          }),
        ]
      : []),
    ...(buildbot ? [reachableCheck("buildbot", () => buildbot.client.ping())] : []),
  ];
  const extras: CommandExtras = {
    health: async () => {
      const [result, queue, pending] = [await readiness(), queueSnapshot(), outbox.pendingSummary()];
      const age = (at: number | null) => (at === null ? null : clock() - at);
      return {
        ...result,
        queue: { depth: queue.depth, oldestAgeMs: age(queue.oldestCreatedAt) },
        outbox: { pending: pending.pending, oldestAgeMs: age(pending.oldestCreatedAt) },
      };
    },
  };

  // Typed as the default instance: with a pino Logger as loggerInstance, Fastify's generics would
  // otherwise leak pino's Logger type into every plugin signature.
  const server = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  // One line per request, at debug: at info the log would be mostly polling and health checks.
  server.addHook("onResponse", async (request, reply) => {
    request.log.debug({ req: request, status: reply.statusCode, ms: reply.elapsedTime }, "request");
  });
  server.setErrorHandler(errorHandler);
  // Slash acknowledgement latency: Mattermost gives up after 3 s.
  const slashPaths = new Set<string>(SLASH_PATHS);
  server.addHook("onResponse", async (request, reply) => {
    if (slashPaths.has(request.routeOptions.url ?? "")) metrics.slashAck.observe(reply.elapsedTime / 1000);
  });
  await server.register(healthRoutes, { metrics, access: config.metrics, readiness });
  await server.register(slashRoute, {
    tokens: config.mattermost.tokens,
    handleCommand: async (command) =>
      maskReply(await handleCommand(service, config, command, extras), secrets),
  });
  await server.register(actionRoute, {
    secret: chat.actionSecret,
    handleCommand: async (command) =>
      maskReply(await handleCommand(service, config, command, extras), secrets),
    fullLog: (id) => chat.fullLog(id),
    clock,
    rootPostOf: chat.rootPostOf,
    whoIs: chat.whoIs,
  });
  await server.register(webRoutes, {
    service,
    config,
    clock,
    secrets,
    sessions: new SqliteWebSessions(db),
    // Each backend's logs as byte ranges: files on disk, or Buildbot's REST API.
    logs: logSourceByBackend({
      local: fileLogStreamSource(local.logs, local),
      ...(buildbot
        ? {
            buildbot: textLogStreamSource(
              new BuildbotLogSource({ client: buildbot.client, config, secrets }),
            ),
          }
        : {}),
    }),
  });
  if (buildbot && config.buildbot) {
    await server.register(buildbotStatusRoute, {
      secret: config.buildbot.statusSecret,
      onStatus: (payload) => buildbot.handleStatusPush(payload),
    });
  }

  return {
    config,
    server,
    service,
    store,
    local,
    outbox,
    metrics,
    async start() {
      await service.recover();
      deliverer.start();
      chat.checkBot().then(
        (problem) => problem && logger.error(problem),
        (error: unknown) =>
          logger.warn(
            { err: error, url: config.mattermost.url, configKey: "mattermost.bot_token" },
            `could not ask Mattermost at ${config.mattermost.url} who the bot is: check mattermost.url and mattermost.bot_token`,
          ),
      );
      // Clone mirrors in the background so the first /build of each repo is answered quickly.
      for (const repo of Object.values(config.repos)) {
        mirrors.branchExists(repo, repo.defaultBranch).catch((error: unknown) => {
          // GitMirrors logged the url and key already; this says the first /build will try again.
          logger.warn(
            { repo: repo.name, configKey: `repos.${repo.name}.url`, err: error },
            `could not prepare the mirror of ${repo.name} yet: the first /build of it will fetch again`,
          );
        });
      }
    },
    async close() {
      await server.close();
      await local.close();
      // Buildbot builds keep running on the master; the next start reconciles them.
      await buildbot?.close();
      for (const build of store.unfinished()) {
        if (build.backend !== "local" || build.status !== "running") continue;
        service.applyEvent({
          type: "finished",
          buildId: build.id,
          at: clock(),
          status: "interrupted",
          reason: "slashbuild was shut down while this build was running",
        });
      }
      await notifier.settled();
      const deadline = Date.now() + DRAIN_MS;
      while (outbox.pendingCount() > 0 && Date.now() < deadline) await sleep(50);
      await deliverer.stop();
      db.close();
    },
  };
}

/** A chat answer may echo what someone typed; a secret in it is masked like everywhere else. */
function maskReply(reply: Reply, secrets: readonly string[]): Reply {
  return { ...reply, text: maskText(reply.text, secrets) };
}
