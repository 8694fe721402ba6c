import type { Config } from "../../src/config/config.js";
import type { Build, FinalStatus } from "../../src/core/build.js";
import { BuildService } from "../../src/core/build-service.js";
import type { ChatChannel, ChatUser } from "../../src/core/chat-command.js";
import type { ApprovalRule } from "../../src/core/deploys/approval-rules.js";
import type { Decision, Deploy, EnvironmentEvent } from "../../src/core/deploys/deploy.js";
import type { DeployAdmission } from "../../src/core/deploys/deploy-queue.js";
import {
  type DecisionOutcome,
  type DecisionRequest,
  type DeployRequest,
  DeployService,
} from "../../src/core/deploys/deploy-service.js";
import type { CommitLog, DeployNotifier } from "../../src/core/deploys/ports.js";
import { freezeWindows } from "../../src/schedules/freeze-windows.js";
import { atomicallyIn } from "../../src/store/atomically.js";
import { type Db, openDatabase } from "../../src/store/open-database.js";
import { SqliteBuildStore } from "../../src/store/sqlite-build-store.js";
import { SqliteDeployStore } from "../../src/store/sqlite-deploy-store.js";
import { SqliteGreenBuilds } from "../../src/store/sqlite-green-builds.js";
import { RecordingBackend } from "../fakes/recording-backend.js";
import { makeConfig } from "./make-config.js";

/**
 * DeployService on the real stores (SQLite in memory: the deploy trigger, the indexes) and the
 * real BuildService, with a recording backend in place of a runner and a settable clock. What the
 * channel would be told is recorded as lines ("requested #3", "decided #3 approved by bob").
 */

export const alice: ChatUser = { id: "uid-alice", name: "alice" };
export const bob: ChatUser = { id: "uid-bob", name: "bob" };
export const carol: ChatUser = { id: "uid-carol", name: "carol" };
export const dave: ChatUser = { id: "uid-dave", name: "dave" };
export const root: ChatUser = { id: "uid-root", name: "root" };
export const ci: ChatChannel = { id: "chan-ci", name: "ci" };

export const SHA_A = "a".repeat(40);
export const SHA_B = "b".repeat(40);
export const SHA_C = "c".repeat(40);

/** A Thursday, 12:00 UTC (freezes on Fridays are tested from here). */
export const THURSDAY = Date.UTC(2026, 3, 30, 12, 0, 0);

export interface DeployHarness {
  readonly config: Config;
  readonly db: Db;
  readonly builds: SqliteBuildStore;
  readonly store: SqliteDeployStore;
  readonly service: BuildService;
  readonly deploys: DeployService;
  readonly backend: RecordingBackend;
  readonly told: string[];
  readonly errors: unknown[];
  now: number;
  /** A build of `branch` at `sha` that ran to `status` (a green one by default). */
  built(branch: string, sha: string, status?: FinalStatus, trigger?: Build["trigger"]): Build;
  /** The backend ran deploy build `id` to `status`. */
  ran(id: number, status: FinalStatus, sha?: string): void;
  /**
   * `/build deploy app production` by @alice in ~ci, the newest green build of main: the usual
   * request; `changes` replace any part of it.
   */
  request(changes?: Partial<DeployRequest>): DeployAdmission;
  /** `/build approve <deploy>` by @bob in ~ci: the usual decision; `changes` replace any part of it. */
  decide(deploy: number, changes?: Partial<DecisionRequest>): DecisionOutcome;
  /** A new DeployService over the same database, as the next process starts one (recover()). */
  restart(): void;
  /** Lets the announcements (a 0 ms timer) and the hand-overs that follow a commit run. */
  settle(): Promise<void>;
}

export function deployConfig(
  environments: Record<string, unknown>,
  repo: Record<string, unknown> = {},
): Config {
  return makeConfig({
    mattermost: { token: "t", channels: ["ci"], admins: ["root"] },
    repos: {
      app: {
        url: "/x",
        commands: ["make test"],
        deploy: { commands: ["make deploy"], environments },
        ...repo,
      },
    },
  });
}

export function deployHarness(
  config: Config,
  options: { rules?: readonly ApprovalRule[] } = {},
): DeployHarness {
  const db = openDatabase(":memory:");
  const builds = new SqliteBuildStore(db);
  const store = new SqliteDeployStore(db);
  const told: string[] = [];
  const errors: unknown[] = [];
  const atomically = atomicallyIn(db);
  const harness = { now: THURSDAY } as { now: number };
  const clock = () => harness.now;
  let deploys: DeployService | undefined;
  const service = new BuildService({
    config,
    store: builds,
    clock,
    atomically,
    refs: { branchExists: async () => true, assertOnBranch: async () => {} },
    notifier: {
      buildQueued: (build) => deploys?.observer.buildQueued(build),
      buildStarted: (build) => deploys?.observer.buildStarted(build),
      buildFinished: (build) => deploys?.observer.buildFinished(build),
    },
  });
  const backend = new RecordingBackend();
  backend.sink = service.applyEvent;
  service.attachBackend(backend);
  const notifier: DeployNotifier = {
    requested: (deploy: Deploy) => told.push(`requested #${deploy.buildId} ${deploy.state}`),
    decided: (deploy: Deploy, _build: Build, decision: Decision) =>
      told.push(`decided #${deploy.buildId} ${decision.verdict} by ${decision.userName}`),
    ended: (deploy: Deploy, _build: Build, by: Deploy | null) =>
      told.push(`ended #${deploy.buildId} ${deploy.state}${by ? ` by #${by.buildId}` : ""}`),
    environmentChanged: (event: EnvironmentEvent) =>
      told.push(`${event.kind} ${event.environment} by ${event.actor}`),
    autoSkipped: (build: Build, environment: string, why: string) =>
      told.push(`auto skipped #${build.id} ${environment}: ${why}`),
  };
  const commits: CommitLog = {
    between: async (_repo, from, to) => ({ commits: [], total: 0, compareUrl: null, note: `${from}..${to}` }),
  };
  const newDeploys = () =>
    new DeployService({
      // Announced on the next timer turn, which settle() waits for (the service waits 200 ms).
      announceAfterMs: 0,
      config,
      store,
      green: new SqliteGreenBuilds(db, builds),
      builds: {
        hold: (build) => service.hold(build),
        launch: (build, repo) => service.launch(build, repo),
        finish: (buildId, status, reason) =>
          service.applyEvent({ type: "finished", buildId, at: harness.now, status, reason }),
        find: (id) => service.findBuild(id),
      },
      freezes: freezeWindows(),
      commits,
      notifier,
      clock,
      atomically,
      onError: (error) => errors.push(error),
      ...(options.rules ? { rules: options.rules } : {}),
    });
  deploys = newDeploys();
  return Object.assign(harness, {
    config,
    db,
    builds,
    store,
    service,
    deploys,
    backend,
    told,
    errors,
    built(branch: string, sha: string, status: FinalStatus = "succeeded", trigger: Build["trigger"] = null) {
      const build = service.hold({
        repo: "app",
        branch,
        requestedRevision: null,
        requester: alice.name,
        requesterId: alice.id,
        channelId: ci.id,
        channelName: ci.name,
        backend: "local",
        rebuildOf: null,
        createdAt: harness.now,
        trigger,
      });
      service.applyEvent({ type: "started", buildId: build.id, at: harness.now, sha, steps: ["make test"] });
      service.applyEvent({ type: "finished", buildId: build.id, at: harness.now, status });
      return service.getBuild(build.id);
    },
    ran(id: number, status: FinalStatus, sha = SHA_A) {
      const build = service.getBuild(id);
      service.applyEvent({
        type: "started",
        buildId: id,
        at: harness.now,
        sha: build.requestedRevision ?? sha,
        steps: ["make deploy"],
      });
      service.applyEvent({ type: "finished", buildId: id, at: harness.now, status });
    },
    request(changes: Partial<DeployRequest> = {}) {
      return this.deploys.request({
        repo: "app",
        environment: "production",
        target: null,
        user: alice,
        channel: ci,
        ...changes,
      });
    },
    decide(deploy: number, changes: Partial<DecisionRequest> = {}) {
      return this.deploys.decide({
        deploy,
        verdict: "approved",
        user: bob,
        channel: ci,
        via: "command",
        ...changes,
      });
    },
    restart() {
      deploys?.close();
      deploys = newDeploys();
      this.deploys = deploys;
      deploys.recover();
    },
    async settle() {
      // A timer set after the announcements' (0 ms, which Node runs as 1 ms) runs after them.
      await new Promise((resolve) => setTimeout(resolve, 1));
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    },
  }) as DeployHarness;
}
