import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { ACTION_PATH } from "./chat/mattermost/action-route.js";
import { DEFAULT_BUTTON_LIFETIME_MS } from "./chat/mattermost/action-signature.js";
import type { MattermostChat } from "./chat/mattermost/create-mattermost-chat.js";
import { deployActionRoute } from "./chat/mattermost/deploy-action-route.js";
import { botDeployPosts } from "./chat/mattermost/deploy-bot-posts.js";
import { createDeployNotifier } from "./chat/mattermost/deploy-notifier.js";
import {
  withDeployPosts,
  withDeploysAnnounced,
  withoutDeploys,
} from "./chat/mattermost/deploy-status-formatter.js";
import { webhookDeployPosts } from "./chat/mattermost/deploy-webhook-posts.js";
import type { Config } from "./config/config.js";
import type { BuildService } from "./core/build-service.js";
import type { Reply } from "./core/chat-command.js";
import { DeployService } from "./core/deploys/deploy-service.js";
import { decisionReply } from "./core/deploys/format-deploy-reply.js";
import type { CommitLog } from "./core/deploys/ports.js";
import { isSlashbuildError } from "./core/errors.js";
import { maskText } from "./core/mask-secrets.js";
import type { Atomically, Clock } from "./core/ports.js";
import { type ConfiguredForges, compareUrlOf } from "./forges/configured-forges.js";
import { readCommitRange } from "./git/commit-log.js";
import type { GitMirrors } from "./git/git-mirrors.js";
import type { SettlingNotifier } from "./notify/fan-out-notifier.js";
import { realSleep } from "./notify/outbox-deliverer.js";
import type { OutboxSink, SinkFilter, StatusFormatter } from "./notify/ports.js";
import { freezeWindows } from "./schedules/freeze-windows.js";
import type { Db } from "./store/open-database.js";
import type { SqliteBuildStore } from "./store/sqlite-build-store.js";
import { SqliteDeployStore } from "./store/sqlite-deploy-store.js";
import { SqliteGreenBuilds } from "./store/sqlite-green-builds.js";
import type { StorageGuard } from "./store/storage-guard.js";

/**
 * Deploying from chat (issue 20), wired: the one place that joins core/deploys/ to SQLite, git,
 * croner, the Git hosts and Mattermost. app.ts calls it with a few lines: it wraps the chat and
 * commit-status formatters (deploy builds get their own posts, and no commit status), puts the
 * deploy observer beside the chat's notifier, attaches to BuildService, registers the Approve and
 * Reject receiver, and runs the sweep (expired requests, lapsed locks).
 */

export interface DeployWiringDeps {
  readonly db: Db;
  readonly storage: StorageGuard;
  readonly store: SqliteBuildStore;
  /** The chat sink's outbox: deploy posts go out in order with their builds' own. */
  readonly outbox: OutboxSink;
  readonly mirrors: GitMirrors;
  readonly forges: ConfiguredForges;
  readonly chat: MattermostChat;
  readonly clock: Clock;
  readonly secrets: readonly string[];
  readonly logger: Logger;
}

export interface DeployWiring {
  /** The StatusNotifier to put in BuildService's fanOutNotifier, beside the chat's (it keeps no work pending). */
  readonly observer: SettlingNotifier;
  chatFormatter(inner: StatusFormatter): StatusFormatter;
  chatFilter(inner: SinkFilter): SinkFilter;
  statusFormatter(inner: StatusFormatter): StatusFormatter;
  /** Makes the DeployService once BuildService exists (it holds and launches deploy builds). */
  attach(service: BuildService): DeployService;
  register(server: FastifyInstance, properNames: readonly string[]): Promise<void>;
  /** After BuildService.recover: what the last process left, then the sweep. */
  start(): void;
  close(): Promise<void>;
}

/** How often expired requests and lapsed locks are looked for. */
const SWEEP_EVERY_MS = 10_000;

export function wireDeploys(config: Config, deps: DeployWiringDeps): DeployWiring {
  const store = new SqliteDeployStore(deps.db, deps.storage);
  const mode = deps.chat.mode;
  const postOptions = { config, secrets: deps.secrets };
  const findBuild = (id: number) => deps.store.get(id);
  // As BuildService's: a deploy's change and the posts it causes commit together.
  const atomically: Atomically = (work) => deps.storage.run(() => deps.db.transaction(work)());
  const posts =
    mode === "bot"
      ? botDeployPosts(
          postOptions,
          {
            url: `${config.publicUrl}${ACTION_PATH}`,
            secret: deps.chat.actionSecret,
            lifetimeMs: config.mattermost.buttonLifetimeMs ?? DEFAULT_BUTTON_LIFETIME_MS,
            clock: deps.clock,
          },
          findBuild,
        )
      : webhookDeployPosts(postOptions);
  const compareUrl = compareUrlOf(deps.forges);
  const commits: CommitLog = {
    async between(repo, from, to) {
      const range = await readCommitRange(deps.mirrors.mirrorPath(repo), from, to);
      return { ...range, compareUrl: from === null || from === to ? null : compareUrl(repo, from, to) };
    },
  };
  let service: DeployService | undefined;
  const stopSweep = new AbortController();
  let sweeping: Promise<void> | undefined;
  const onError = (error: unknown, subject: { buildId?: number; id?: number }) =>
    deps.logger.error(
      { err: error, buildId: subject.buildId ?? subject.id },
      "deploy: work after the answer failed",
    );
  return {
    observer: {
      buildQueued: (build) => service?.observer.buildQueued(build),
      buildStarted: (build) => service?.observer.buildStarted(build),
      buildFinished: (build) => service?.observer.buildFinished(build),
      settled: async () => {},
    },
    chatFormatter: (inner) => withDeployPosts(inner, posts, (id) => store.get(id)),
    chatFilter: withDeploysAnnounced,
    statusFormatter: withoutDeploys,
    attach(builds) {
      service = new DeployService({
        config,
        store,
        green: new SqliteGreenBuilds(deps.db, deps.store),
        builds: {
          hold: (build) => builds.hold(build),
          launch: (build, repo) => builds.launch(build, repo),
          finish: (buildId, status, reason) =>
            builds.applyEvent({ type: "finished", buildId, at: deps.clock(), status, reason }),
          find: (id) => builds.findBuild(id),
        },
        freezes: freezeWindows(),
        commits,
        notifier: createDeployNotifier(deps.outbox, posts, deps.secrets),
        clock: deps.clock,
        atomically,
        onError,
      });
      return service;
    },
    async register(server, properNames) {
      const deploys = service;
      if (!deploys) throw new Error("wireDeploys: attach() the BuildService before register()");
      await server.register(deployActionRoute, {
        secret: deps.chat.actionSecret,
        properNames,
        clock: deps.clock,
        rootPostOf: deps.chat.rootPostOf,
        whoIs: deps.chat.whoIs,
        decide: async (request): Promise<Reply> => {
          try {
            const text = decisionReply(config, deploys.decide(request));
            return { visibility: "ephemeral", text: maskText(text, deps.secrets) };
          } catch (error) {
            if (!isSlashbuildError(error)) throw error;
            return { visibility: "ephemeral", text: maskText(error.message, deps.secrets), refusal: true };
          }
        },
      });
    },
    start() {
      if (!service) return;
      const deploys = service;
      deploys.recover();
      sweeping = (async () => {
        while (!stopSweep.signal.aborted) {
          // Real time, even when a test drives the scheduler's sleeps: expiries are read on `clock`.
          await realSleep(SWEEP_EVERY_MS, stopSweep.signal);
          if (stopSweep.signal.aborted) break;
          try {
            deploys.sweep();
          } catch (error) {
            deps.logger.error(
              { err: error },
              "deploy: the sweep of expired requests and lapsed locks failed",
            );
          }
        }
      })();
    },
    async close() {
      service?.close();
      stopSweep.abort();
      await sweeping;
    },
  };
}
