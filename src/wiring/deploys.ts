import type { Logger } from "pino";
import { type DeployDecider, deployNotifier } from "../chat/deploy-chat.js";
import type { Config } from "../config/config.js";
import type { BuildService } from "../core/build-service.js";
import { DeployService } from "../core/deploys/deploy-service.js";
import { decisionReply } from "../core/deploys/format-deploy-reply.js";
import type { CommitLog } from "../core/deploys/ports.js";
import { isSlashbuildError } from "../core/errors.js";
import { maskText } from "../core/mask-secrets.js";
import type { Clock } from "../core/ports.js";
import { type ConfiguredForges, compareUrlOf } from "../forges/configured-forges.js";
import { readCommitRange } from "../git/commit-log.js";
import type { GitMirrors } from "../git/git-mirrors.js";
import { realSleep } from "../notify/delivery-timing.js";
import type { SettlingNotifier } from "../notify/fan-out-notifier.js";
import { freezeWindows } from "../schedules/freeze-windows.js";
import { SqliteGreenBuilds } from "../store/sqlite-green-builds.js";
import type { Storage } from "./open-storage.js";
import type { WiredSink } from "./status-sinks.js";

/**
 * Deploying from chat (issue 20), wired: the one place that joins core/deploys/ to SQLite, git,
 * croner, the Git hosts and the chat sinks. Deploy builds get their posts from each chat sink that
 * has deploy posts (wiring/status-sinks.ts wraps its formatter); here the DeployService is made
 * once BuildService exists, its observer sits beside the sinks, its decider answers the platforms'
 * Approve and Reject, and a sweep ends expired requests and lapsed locks.
 */

export interface DeployParts {
  readonly storage: Storage;
  readonly mirrors: GitMirrors;
  readonly forges: ConfiguredForges;
  /** The chat sinks: those with deploy posts get a deploy's requests, decisions and locks. */
  readonly sinks: readonly WiredSink[];
  readonly clock: Clock;
  readonly secrets: readonly string[];
  readonly logger: Logger;
}

export interface DeployWiring {
  /** The StatusNotifier to put beside the sinks' (it keeps no work pending). */
  readonly observer: SettlingNotifier;
  /** Makes the DeployService once BuildService exists (it holds and launches deploy builds). */
  attach(service: BuildService): DeployService;
  /** Approve and Reject clicks from a chat platform, answered as the person who clicked. */
  readonly decide: DeployDecider;
  /** After BuildService.recover: what the last process left, then the sweep. */
  start(): void;
  close(): Promise<void>;
}

/** How often expired requests and lapsed locks are looked for. */
const SWEEP_EVERY_MS = 10_000;

export function wireDeploys(config: Config, parts: DeployParts): DeployWiring {
  const { storage, clock, logger, secrets } = parts;
  const compareUrl = compareUrlOf(parts.forges);
  const commits: CommitLog = {
    async between(repo, from, to) {
      const range = await readCommitRange(parts.mirrors.mirrorPath(repo), from, to);
      return { ...range, compareUrl: from === null || from === to ? null : compareUrl(repo, from, to) };
    },
  };
  const postSinks = parts.sinks.flatMap((sink) =>
    sink.deploys ? [{ outbox: sink.outbox, posts: sink.deploys }] : [],
  );
  let service: DeployService | undefined;
  const stopSweep = new AbortController();
  let sweeping: Promise<void> | undefined;
  const sweep = (deploys: DeployService) => {
    try {
      deploys.sweep();
    } catch (error) {
      logger.error({ err: error }, "deploy: the sweep of expired requests and lapsed locks failed");
    }
  };
  return {
    observer: {
      buildQueued: (build) => service?.observer.buildQueued(build),
      buildStarted: (build) => service?.observer.buildStarted(build),
      buildFinished: (build) => service?.observer.buildFinished(build),
      settled: async () => {},
    },
    attach(builds) {
      service = new DeployService({
        config,
        store: storage.deploys,
        green: new SqliteGreenBuilds(storage.db, storage.store),
        builds: {
          hold: (build) => builds.hold(build),
          launch: (build, repo) => builds.launch(build, repo),
          finish: (buildId, status, reason) =>
            builds.applyEvent({ type: "finished", buildId, at: clock(), status, reason }),
          find: (id) => builds.findBuild(id),
        },
        freezes: freezeWindows(),
        commits,
        notifier: deployNotifier(postSinks, secrets),
        clock,
        // As BuildService's: a deploy's change and the posts it causes commit together.
        atomically: storage.atomically,
        onError: (error, subject) =>
          logger.error(
            { err: error, buildId: "buildId" in subject ? subject.buildId : subject.id },
            "deploy: work after the answer failed",
          ),
      });
      return service;
    },
    async decide(request) {
      if (!service) throw new Error("wireDeploys: attach() the BuildService before deciding");
      try {
        const text = decisionReply(config, service.decide(request));
        return { visibility: "ephemeral", text: maskText(text, secrets) };
      } catch (error) {
        if (!isSlashbuildError(error)) throw error;
        return { visibility: "ephemeral", text: maskText(error.message, secrets), refusal: true };
      }
    },
    start() {
      const deploys = service;
      if (!deploys) return;
      deploys.recover();
      sweeping = (async () => {
        while (!stopSweep.signal.aborted) {
          // Real time, even when a test drives the scheduler's sleeps: expiries are read on `clock`.
          await realSleep(SWEEP_EVERY_MS, stopSweep.signal);
          if (!stopSweep.signal.aborted) sweep(deploys);
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
