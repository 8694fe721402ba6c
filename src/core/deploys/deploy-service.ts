import type { Config, RepoConfig } from "../../config/config.js";
import type { Build } from "../build.js";
import type { ChatChannel, ChatUser } from "../chat-command.js";
import { SlashbuildError, sentence } from "../errors.js";
import type { Atomically, Clock, StatusNotifier } from "../ports.js";
import { APPROVAL_RULES, type ApprovalRule } from "./approval-rules.js";
import { type DecisionOutcome, type DecisionRequest, decideDeploy } from "./decide-deploy.js";
import type { Deploy } from "./deploy.js";
import { type DeployAccess, deployAccess } from "./deploy-access.js";
import { environmentOf } from "./deploy-admission.js";
import { type DeployContext, gate } from "./deploy-context.js";
import { deployObserver } from "./deploy-observer.js";
import { type DeployAdmission, DeployQueue } from "./deploy-queue.js";
import { EnvironmentLocks } from "./environment-locks.js";
import { EnvironmentReads } from "./environment-reads.js";
import type {
  CommitLog,
  DeployBuilds,
  DeployNotifier,
  DeployStore,
  FreezeCalendar,
  GreenBuilds,
} from "./ports.js";
import { type DeployTarget, resolveDeployTarget } from "./resolve-deploy-target.js";

export type { DecisionOutcome, DecisionRequest } from "./decide-deploy.js";
export type { DeployAdmission, DeployOutcome } from "./deploy-queue.js";

export interface DeployServiceDeps {
  readonly config: Config;
  readonly store: DeployStore;
  readonly green: GreenBuilds;
  readonly builds: DeployBuilds;
  readonly freezes: FreezeCalendar;
  readonly commits: CommitLog;
  readonly notifier: DeployNotifier;
  /** Who is an admin, an approver, in an allowed channel; default: deployAccess(config). */
  readonly access?: DeployAccess;
  /** The approval rules; default APPROVAL_RULES (tests take one away to show what it stops). */
  readonly rules?: readonly ApprovalRule[];
  readonly clock?: Clock;
  /** One SQLite transaction in the app, as BuildService's: a change and its posts commit together. */
  readonly atomically?: Atomically;
  /** Faults of work done after an answer (reading commits, a backend refusing a deploy). */
  readonly onError?: (error: unknown, subject: Deploy | Build) => void;
  /** How long a request's announcement waits for a newer one to supersede it (deploy-queue.ts). */
  readonly announceAfterMs?: number;
}

export interface DeployRequest {
  readonly repo: string;
  readonly environment: string;
  /** `#N`, a revision, or null: the newest green build of the environment's default branch. */
  readonly target: DeployTarget;
  readonly user: ChatUser;
  readonly channel: ChatChannel;
  /** An admin's override of the branch and green-build rules, a lock and a freeze (recorded, said). */
  readonly force?: boolean;
}

/**
 * Deploying from chat (issue 20): the one entry point for every transport. Requests and rollbacks
 * (answered at once, from index reads alone), decisions (`decide`), locks (`locks`), reads for
 * `/build envs` and `/build history` and the web (`reads`). A deploy is a build of kind "deploy"
 * (DeployBuilds: BuildService), so this decides only what builds cannot: which revision may go
 * where, who decides, what waits and what runs. It hears of builds through `observer`, wired beside
 * the chat's notifier, so its reactions commit with the build's change. docs/architecture.md
 * ("Deploys: the domain API") is the map.
 */
export class DeployService {
  readonly #context: DeployContext;
  readonly locks: EnvironmentLocks;
  readonly reads: EnvironmentReads;
  /** A StatusNotifier to put beside the chat's (fanOutNotifier): what deploys do when builds change. */
  readonly observer: StatusNotifier;

  constructor(deps: DeployServiceDeps) {
    const clock = deps.clock ?? Date.now;
    const atomically = deps.atomically ?? ((work) => work());
    const onError = deps.onError ?? (() => {});
    const access = deps.access ?? deployAccess(deps.config);
    const queue = new DeployQueue({ ...deps, clock, atomically, onError });
    this.#context = {
      ...deps,
      access,
      rules: deps.rules ?? APPROVAL_RULES,
      clock,
      atomically,
      onError,
      queue,
    };
    const shared = { config: deps.config, store: deps.store, access, clock };
    this.locks = new EnvironmentLocks({ ...shared, notifier: deps.notifier, atomically });
    this.reads = new EnvironmentReads({ ...shared, freezes: deps.freezes });
    this.observer = deployObserver(this.#context);
  }

  /** `/build deploy <repo> <environment> [#N | revision] [--force]`. Synchronous: never waits for git. */
  request(request: DeployRequest): DeployAdmission {
    const context = this.#context;
    const place = environmentOf(context.config, request.repo, request.environment);
    this.#checkChannel(place.repo, request.channel);
    const force = this.#checkForce(request.user, request.force === true);
    const target = resolveDeployTarget(request.target, {
      repo: place.repo,
      environment: place.environment,
      force,
      green: context.green,
      findBuild: (id) => context.builds.find(id),
    });
    this.#checkPermission(place.repo, target.branch, request.user);
    const overrides = [...target.overrides, ...gate(context, place, request.user, force)];
    return context.queue.admit(place, {
      kind: "deploy",
      revision: target.revision,
      branch: target.branch,
      sourceBuildId: target.source?.id ?? null,
      overrides,
      user: request.user,
      channel: request.channel,
    });
  }

  /** `/build rollback <repo> <environment>`: the previous successful deploy's revision (a failed one never counts). */
  rollback(request: Omit<DeployRequest, "target">): DeployAdmission {
    const context = this.#context;
    const place = environmentOf(context.config, request.repo, request.environment);
    this.#checkChannel(place.repo, request.channel);
    const force = this.#checkForce(request.user, request.force === true);
    const current = context.store.newest(place.repo.name, place.environment.name, ["succeeded"]);
    const previous = current ? context.store.previousSucceeded(current) : undefined;
    if (!current || !previous) {
      const has = current ? "only one revision deployed successfully" : "no successful deploy yet";
      throw new SlashbuildError(
        "NOTHING_TO_ROLL_BACK",
        `${sentence(place.environment.name)} of ${place.repo.name} has ${has}, so there is nothing to roll back to; \`/build deploy ${place.repo.name} ${place.environment.name} <revision>\` deploys a given one.`,
      );
    }
    this.#checkPermission(place.repo, previous.branch, request.user);
    return context.queue.admit(place, {
      kind: "rollback",
      revision: previous.revision,
      branch: previous.branch,
      sourceBuildId: previous.sourceBuildId,
      overrides: gate(context, place, request.user, force),
      user: request.user,
      channel: request.channel,
    });
  }

  /** An approval or a rejection, from a command, a button or the web page: APPROVAL_RULES decide. */
  decide(request: DecisionRequest): DecisionOutcome {
    return decideDeploy(this.#context, request);
  }

  /** A deploy by its number, for readers (chat posts, the web page). */
  get(number: number): Deploy | undefined {
    return this.#context.store.get(number);
  }

  /** At start-up, after BuildService.recover: relaunch, start and announce what the last process left. */
  recover(): void {
    const { store, builds, queue } = this.#context;
    for (const deploy of store.open()) {
      // Marked deploying, but its build never reached a runner (or the runner's queue died with us).
      if (deploy.state === "deploying" && builds.find(deploy.buildId)?.status === "queued")
        void queue.launch(deploy);
    }
    for (const deploy of store.open()) queue.advance(deploy.repo, deploy.environment);
    for (const deploy of store.unannounced()) queue.announceLater(deploy);
    this.sweep();
  }

  /** Expires requests nobody approved in time and clears lapsed locks; the app runs it every few seconds. */
  sweep(): void {
    const { store, queue, clock, atomically } = this.#context;
    const now = clock();
    for (const deploy of store.dueExpiries(now, 100)) {
      atomically(() => {
        const waited =
          deploy.expiresAt === null ? "" : ` within ${formatSpan(deploy.expiresAt - deploy.createdAt)}`;
        queue.notifyEnded(queue.end(deploy, "expired", `not approved${waited}`), null);
      });
    }
    this.locks.sweep(now);
  }

  /** Stops handing deploys to runners: a shutdown reports running ones interrupted and must start none. */
  close(): void {
    this.#context.queue.close();
  }

  #checkChannel(repo: RepoConfig, channel: ChatChannel): void {
    if (this.#context.access.channelAllowed(repo, channel)) return;
    throw new SlashbuildError(
      "CHANNEL_NOT_ALLOWED",
      `${repo.name} can be deployed only where it can be built; run the command in one of its channels.`,
    );
  }

  #checkForce(user: ChatUser, force: boolean): boolean {
    if (force && !this.#context.access.isAdmin(user)) {
      throw new SlashbuildError("NOT_PERMITTED", "`--force` is for admins; ask one, or leave it out.");
    }
    return force;
  }

  #checkPermission(repo: RepoConfig, branch: string, user: ChatUser): void {
    const permission = this.#context.access.mayDeploy(repo, branch, user);
    if (!permission.ok) throw new SlashbuildError("NOT_PERMITTED", sentence(permission.why));
  }
}

/** "24h", "90m": how long a request waited, for its expiry note. */
function formatSpan(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 60_000)}m`;
}
