import type { App, AppDeps } from "./app-types.js";
import { LogFiles } from "./backends/local/log-files.js";
import { prepareNetwork } from "./backends/local/sandbox/prepare-network.js";
import { prepareSandbox } from "./backends/local/sandbox/prepare-sandbox.js";
import type { CommandHandler } from "./chat/chat-platform.js";
import { CHAT_PLATFORMS } from "./chat/chat-platforms.js";
import type { Config } from "./config/config.js";
import { movedKeyAdvice } from "./config/moved-keys.js";
import { BuildService } from "./core/build-service.js";
import type { Reply } from "./core/chat-command.js";
import { handleCommand } from "./core/handle-command.js";
import { knownSecrets } from "./core/known-secrets.js";
import { maskText } from "./core/mask-secrets.js";
import { createLogger } from "./create-logger.js";
import { configuredForges, hostNames, pullRequestHeadsOf } from "./forges/configured-forges.js";
import { FORGE_HOSTS } from "./forges/forge-hosts.js";
import { GitMirrors } from "./git/git-mirrors.js";
import type { Readiness } from "./health/readiness.js";
import { countingFetch, Metrics } from "./metrics/metrics.js";
import { realSleep } from "./notify/delivery-timing.js";
import { makeDataDir } from "./store/make-data-dir.js";
import { attachBackends } from "./wiring/backends.js";
import { wireChats } from "./wiring/chats.js";
import { commandExtras, readinessOf } from "./wiring/health.js";
import { serveRoutes } from "./wiring/http-server.js";
import { openStorage } from "./wiring/open-storage.js";
import { prepareMirrors, scheduleBuilds } from "./wiring/scheduled-builds.js";
import { closeSinks, notifierOf, resumeSinks, startSinks, statusSinks } from "./wiring/status-sinks.js";

export type { App, AppDeps } from "./app-types.js";

/**
 * Builds the whole service from a config, from the wiring modules in src/wiring/. Never listens:
 * main.ts does, tests use inject() or listen(0).
 */
export async function createApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const clock = deps.clock ?? Date.now;
  const chatPlatforms = deps.chatPlatforms ?? CHAT_PLATFORMS;
  // Every secret the service knows, masked wherever text leaves it (issue 8): logs, chat, pages.
  const secrets = [
    ...knownSecrets(config),
    ...Object.values(chatPlatforms).flatMap((platform) => platform.secrets(config)),
  ];
  const logger = deps.logger ?? createLogger(config.logLevel, secrets);
  for (const move of config.movedKeys ?? []) logger.warn({ configKey: move.from }, movedKeyAdvice(move));
  // What most wiring modules take.
  const common = { clock, logger, secrets };
  // Every forges: entry names a host in the list (else CONFIG_INVALID, before anything is opened).
  const forgeHosts = deps.forgeHosts ?? FORGE_HOSTS;
  const forges = configuredForges(config, forgeHosts);
  // Only slashbuild may enter data_dir. Made first: the sandbox hides it from builds, which needs it to exist.
  makeDataDir(config.dataDir, config.configFile);
  // Before anything is opened: a machine that cannot sandbox builds refuses to serve them.
  const sandbox = prepareSandbox(config, logger);
  // Builds get a network of their own (slirp4netns): checked with the plan settled above.
  if (sandbox) await prepareNetwork(config, sandbox, logger);
  const storage = openStorage(config, logger, clock);
  const { store, atomically } = storage;
  const chats = wireChats(config, chatPlatforms, {
    ...common,
    storage,
    out: deps.out ?? process.stdout,
    hostNames: hostNames(forgeHosts),
    // Counted in the metrics made below: a platform asks its API only once the app has started.
    fetchFor: (peer) => (input, init) => countingFetch(deps.fetch ?? fetch, peer, metrics)(input, init),
  });
  // Readiness probes reach the backends made below; they only run once requests arrive.
  const readiness = (): Promise<Readiness> => probes();
  const metrics = new Metrics({
    clock,
    // On every /metrics scrape and `/build health`: O(1) at any queue depth.
    queue: () => store.queueSummary(),
    sink: chats.flatMap(({ connection }) => connection.announcements?.mode ?? [])[0] ?? "none",
    outbox: () => chatOutbox.pendingSummary(),
    checks: async () => (await readiness()).checks,
  });
  // The embedded runner's step logs (the same files local.logs reads), for failure excerpts.
  const logs = new LogFiles(config.dataDir);
  const sinks = statusSinks(config, chats, { ...common, storage, forges, logs, metrics });
  const chatOutbox = sinks.chat[0]?.outbox ?? storage.outbox("chat");
  const pullRequestHeads = pullRequestHeadsOf(forges);
  const mirrors = new GitMirrors({ dataDir: config.dataDir, logger, pullRequestHeads });
  const notifier = notifierOf(sinks.all);
  // A build event a full disk refuses waits in memory, in order, and is stored once there is room.
  const { backlog } = storage;
  const service = new BuildService({ config, store, refs: mirrors, notifier, clock, atomically, backlog });
  const backends = attachBackends(config, { ...common, service, store, mirrors, sandbox, metrics });
  service.subscribe((build, event) => {
    if (event.type === "started") metrics.buildStarted(build);
    else if (event.type === "finished") metrics.buildFinished(build);
  });
  const probes = readinessOf(config, storage, chats, backends.buildbot);
  const extras = commandExtras(readiness, store, chatOutbox, clock);
  const answer: CommandHandler = async (command) =>
    maskReply(await handleCommand(service, config, command, extras), secrets);
  const server = await serveRoutes(config, {
    ...{ ...common, service, storage, chats, forges, metrics, readiness },
    ...{ handleCommand: answer, buildbot: backends.buildbot, logs: backends.logs },
  });
  const sleep = deps.sleep ?? realSleep;
  const scheduler = scheduleBuilds(config, { service, mirrors, storage, clock, sleep, logger });

  return {
    ...{ config, server, service, store, local: backends.local, metrics },
    outbox: chatOutbox,
    statusOutbox: sinks.statuses.outbox,
    async start() {
      // Checkpoints on their own thread, and pruning of old history.
      storage.start(deps.backgroundCheckpoints !== false);
      // Finish posts a crash left as drafts (their excerpt was being read) go out now, completed.
      resumeSinks(sinks.all, (id) => store.get(id));
      await service.recover();
      startSinks(sinks.all);
      scheduler.start();
      for (const { connection } of chats) connection.start();
      prepareMirrors(config, mirrors, logger);
    },
    async close() {
      await scheduler.stop();
      await server.close();
      // The embedded runner reports the builds it was running interrupted; Buildbot's go on.
      await backends.close();
      // Results a full disk held back are stored now if there is room again; else the next start
      // reports those builds interrupted.
      service.retryWaitingEvents();
      service.close();
      await closeSinks(sinks.all);
      await storage.close();
    },
  };
}

/** A chat answer may echo what someone typed; a secret in it is masked like everywhere else. */
function maskReply(reply: Reply, secrets: readonly string[]): Reply {
  return { ...reply, text: maskText(reply.text, secrets) };
}
