import { chmodSync, mkdirSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import type { App, AppDeps } from "./app-types.js";
import { BuildbotBackend } from "./backends/buildbot/buildbot-backend.js";
import { BuildbotLogSource } from "./backends/buildbot/buildbot-log-source.js";
import { buildbotStatusRoute } from "./backends/buildbot/status-route.js";
import { LocalBackend } from "./backends/local/local-backend.js";
import { LogFiles } from "./backends/local/log-files.js";
import { prepareSandbox } from "./backends/local/sandbox/prepare-sandbox.js";
import { actionRoute } from "./chat/mattermost/action-route.js";
import { deriveActionSecret } from "./chat/mattermost/action-signature.js";
import { chatMode, createMattermostChat } from "./chat/mattermost/create-mattermost-chat.js";
import { SLASH_PATHS, slashRoute } from "./chat/mattermost/slash-route.js";
import type { Config } from "./config/config.js";
import { BuildService } from "./core/build-service.js";
import type { Reply } from "./core/chat-command.js";
import { isSlashbuildError } from "./core/errors.js";
import { handleCommand } from "./core/handle-command.js";
import { knownSecrets } from "./core/known-secrets.js";
import { maskText } from "./core/mask-secrets.js";
import type { Clock, CommandExtras } from "./core/ports.js";
import { admitForgeEvent } from "./core/triggers/admit-forge-event.js";
import { createLogger } from "./create-logger.js";
import { configuredForges, hostNames, pullRequestHeadsOf } from "./forges/configured-forges.js";
import { FORGE_HOSTS } from "./forges/forge-hosts.js";
import { commitStatusFormatter } from "./forges/status/commit-status-formatter.js";
import { createCommitStatusTransport } from "./forges/status/commit-status-transport.js";
import { webhookRoute } from "./forges/webhook-route.js";
import { GitMirrors } from "./git/git-mirrors.js";
import { databaseCheck, diskCheck, reachableCheck } from "./health/checks.js";
import { checkReadiness, type ReadinessCheck } from "./health/readiness.js";
import { errorHandler } from "./http/error-handler.js";
import { healthRoutes } from "./metrics/health-routes.js";
import { countingFetch, Metrics } from "./metrics/metrics.js";
import { createStatusSink } from "./notify/create-status-sink.js";
import { fanOutNotifier } from "./notify/fan-out-notifier.js";
import { repoNotifyFilter } from "./notify/notify-policy.js";
import { realSleep } from "./notify/outbox-deliverer.js";
import { Scheduler } from "./schedules/scheduler.js";
import { openDatabase } from "./store/open-database.js";
import { RetentionPruner } from "./store/retention-pruner.js";
import { SqliteBuildStore } from "./store/sqlite-build-store.js";
import { SqliteChatPosts } from "./store/sqlite-chat-posts.js";
import { SqliteOutbox } from "./store/sqlite-outbox.js";
import { SqliteScheduleRuns } from "./store/sqlite-schedule-runs.js";
import { SqliteWebSessions } from "./store/sqlite-web-sessions.js";
import { SqliteWebhookDeliveries } from "./store/sqlite-webhook-deliveries.js";
import { StorageGuard } from "./store/storage-guard.js";
import { startWalCheckpointer, type WalCheckpointer } from "./store/wal-checkpointer.js";
import { wireDeploys } from "./wire-deploys.js";

export type { App, AppDeps } from "./app-types.js";

import { fileLogStreamSource } from "./web/log/file-log-stream-source.js";
import { logSourceByBackend, textLogStreamSource } from "./web/log/log-stream-source.js";
import { webRoutes } from "./web/web-routes.js";

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
  // Every forges: entry names a host in the list (else CONFIG_INVALID, before anything is opened).
  const forgeHosts = deps.forgeHosts ?? FORGE_HOSTS;
  const forges = configuredForges(config, forgeHosts);
  // Before anything is opened: a machine that cannot sandbox builds refuses to serve them.
  const sandbox = prepareSandbox(config, logger);
  // Only slashbuild may enter data_dir: the database, logs, mirrors and workspaces are its own.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
  const dbFile = path.join(config.dataDir, "slashbuild.db");
  const db = openDatabase(dbFile);
  const storage = storageGuard(dbFile, logger, clock);
  // Started with the service (start()), stopped before the database closes.
  let checkpointer: WalCheckpointer | undefined;
  const store = new SqliteBuildStore(db, storage);
  const outbox = new SqliteOutbox(db, clock, storage);
  const sink = chatMode(config);
  // On every /metrics scrape and `/build health`: O(1) at any queue depth.
  const queueSnapshot = () => store.queueSummary();
  // Readiness probes reach objects made below; they only run once requests arrive.
  const readiness = () => checkReadiness(readinessChecks);
  const metrics = new Metrics({
    clock,
    queue: queueSnapshot,
    sink,
    outbox: () => outbox.pendingSummary(),
    checks: async () => (await readiness()).checks,
  });
  const pruner = new RetentionPruner({
    db,
    retention: config.retention,
    logsRoot: path.join(config.dataDir, "logs"),
    clock,
    logger,
  });
  const mirrors = new GitMirrors({
    dataDir: config.dataDir,
    logger,
    pullRequestHeads: pullRequestHeadsOf(forges),
  });
  // Mattermost implements notify/'s ports; notify/ builds the durable path from them.
  const chat = createMattermostChat(config, {
    rootPosts: new SqliteChatPosts(db, clock),
    findBuild: (id) => store.get(id),
    previous: (build) => store.previousVerdict(build),
    clock,
    secrets,
    out: deps.out ?? process.stdout,
    fetch: countingFetch(deps.fetch ?? fetch, "mattermost", metrics),
  });
  // Deploying from chat (issue 20): deploy builds get their own posts; its wiring is one file.
  const deploys = wireDeploys(config, {
    db,
    storage,
    store,
    outbox,
    mirrors,
    forges,
    chat,
    clock,
    secrets,
    logger,
  });
  const { notifier, deliverer } = createStatusSink(config, {
    outbox,
    transport: chat.transport,
    formatter: deploys.chatFormatter(chat.formatter),
    filter: deploys.chatFilter(repoNotifyFilter(config, (build) => store.previousVerdict(build))),
    // The embedded runner's step logs (the same files local.logs reads), for failure excerpts.
    logs: new LogFiles(config.dataDir),
    paced: chat.paced,
    ...(chat.digest ? { digest: chat.digest } : {}),
    logger,
    clock,
    secrets,
    onDelivered: (message, at) =>
      metrics.deliveryLatency.observe({ sink }, Math.max(0, at - message.createdAt) / 1000),
  });
  // Commit statuses: a second sink on notify's ports, with its own outbox sink and deliverer (a Git
  // host that is down or rate-limits never holds chat posts back). No filter: every moment counts.
  const statusOutbox = new SqliteOutbox(db, clock, storage, "forge");
  const statuses = createStatusSink(config, {
    outbox: statusOutbox,
    transport: createCommitStatusTransport({
      forges,
      timeoutMs: config.delivery.timeoutMs,
      clock,
    }),
    formatter: deploys.statusFormatter(commitStatusFormatter(config)),
    paced: false,
    logger,
    clock,
  });
  const service = new BuildService({
    config,
    store,
    refs: mirrors,
    notifier: fanOutNotifier([notifier, statuses.notifier, deploys.observer]),
    clock,
    // Builds and the outbox share this database: a state change and its posts commit together.
    atomically: (work) => storage.run(() => db.transaction(work)()),
  });
  const deployService = deploys.attach(service);
  const local = new LocalBackend({
    config,
    mirrors,
    sink: service.applyEvent,
    clock,
    logger,
    extraSecrets: secrets,
    sandbox,
    onSandboxStartFailure: (repo) => metrics.sandboxStartFailures.inc({ repo }),
    // Waiting builds are held as their numbers and read back when they start.
    findBuild: (id) => store.get(id),
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
    deploys: deployService,
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
  const properNames = hostNames(forgeHosts);
  await server.register(slashRoute, {
    tokens: config.mattermost.tokens,
    properNames,
    handleCommand: async (command) =>
      maskReply(await handleCommand(service, config, command, extras), secrets),
  });
  await server.register(actionRoute, {
    secret: chat.actionSecret,
    properNames,
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
  // Builds on schedule: croner's times, on the injected clock; last runs kept in SQLite.
  const scheduler = new Scheduler({
    config,
    service,
    tip: async (repo, branch) => {
      try {
        return await mirrors.resolve(repo, branch, null);
      } catch (error) {
        if (isSlashbuildError(error) && error.code === "BRANCH_UNKNOWN") return null;
        throw error;
      }
    },
    runs: new SqliteScheduleRuns(db),
    clock,
    sleep: deps.sleep ?? realSleep,
    logger,
  });
  // Builds on push and pull request: one receiver per configured Git host.
  const deliveries = new SqliteWebhookDeliveries(db);
  for (const forge of forges.values()) {
    await server.register(webhookRoute, {
      forge,
      repos: Object.values(config.repos),
      admit: (repo, event) => admitForgeEvent(service, repo, event),
      deliveries,
      clock,
    });
  }
  await deploys.register(server, properNames);
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
    deploys: deployService,
    store,
    local,
    outbox,
    statusOutbox,
    metrics,
    async start() {
      if (deps.backgroundCheckpoints !== false) checkpointer ??= startWalCheckpointer(db, dbFile, logger);
      // Finish posts a crash left as drafts (their excerpt was being read) go out now, completed.
      notifier.resumeDrafts((id) => store.get(id));
      await service.recover();
      deploys.start();
      deliverer.start();
      pruner.start();
      statuses.deliverer.start();
      scheduler.start();
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
      await deploys.close();
      await scheduler.stop();
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
      await statuses.notifier.settled();
      const deadline = Date.now() + DRAIN_MS;
      while (outbox.pendingCount() + statusOutbox.pendingCount() > 0 && Date.now() < deadline)
        await sleep(50);
      await deliverer.stop();
      await pruner.stop();
      await statuses.deliverer.stop();
      await checkpointer?.stop();
      db.close();
    },
  };
}

/** How often a full disk is logged while it stays full (every write would otherwise log it). */
const DISK_FULL_LOG_EVERY_MS = 30_000;

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

/** A chat answer may echo what someone typed; a secret in it is masked like everywhere else. */
function maskReply(reply: Reply, secrets: readonly string[]): Reply {
  return { ...reply, text: maskText(reply.text, secrets) };
}
