import type { Config } from "../../config/config.js";
import type { ChatChannel, ChatUser } from "../chat-command.js";
import { isSlashbuildError } from "../errors.js";
import type { Atomically, Clock } from "../ports.js";
import { DEPLOY_STATE_WORDS, type Deploy, type DeployKind, type DeployState } from "./deploy.js";
import { type Environment, environmentOf } from "./deploy-admission.js";
import { deployRepoConfig } from "./deploy-repo-config.js";
import type { CommitLog, DeployBuilds, DeployNotifier, DeployStore } from "./ports.js";

/**
 * The engine under DeployService: stores an admitted deploy with its build, supersedes the older
 * waiting one, and runs one deploy at a time per environment. Every decision that changes what
 * runs is synchronous and made inside one transaction (check "nothing is deploying" and mark
 * "deploying" with no await between), so however many requests arrive at once, one environment
 * never has two deploys running; the hand-over to the runner follows once the transaction is
 * committed.
 */

export interface Wanted {
  readonly kind: DeployKind;
  readonly revision: string;
  readonly branch: string;
  readonly sourceBuildId: number | null;
  readonly overrides: readonly string[];
  readonly user: ChatUser;
  readonly channel: ChatChannel;
}

export type DeployOutcome = "deploying" | "queued" | "awaiting_approval" | "duplicate";

export interface DeployAdmission {
  readonly deploy: Deploy;
  readonly outcome: DeployOutcome;
  /** The deploy it waits behind (queued) or the one already asked for (duplicate). */
  readonly behind: Deploy | null;
  /** The older waiting deploy this one replaced. */
  readonly superseded: Deploy | null;
}

export interface DeployQueueDeps {
  readonly config: Config;
  readonly store: DeployStore;
  readonly builds: DeployBuilds;
  readonly notifier: DeployNotifier;
  readonly commits: CommitLog;
  readonly clock: Clock;
  readonly atomically: Atomically;
  /** Faults of the work done after an answer (reading commits, handing a deploy to its runner). */
  readonly onError: (error: unknown, deploy: Deploy) => void;
  /** How long a request's announcement waits for a newer one (default ANNOUNCE_AFTER_MS). */
  readonly announceAfterMs?: number;
}

const WAITING: readonly DeployState[] = ["awaiting_approval", "queued"];

export class DeployQueue {
  readonly #deps: DeployQueueDeps;
  #closed = false;
  /** Announcements still waiting; close() drops them (the next start announces what is left). */
  readonly #pending = new Set<ReturnType<typeof setTimeout>>();

  constructor(deps: DeployQueueDeps) {
    this.#deps = deps;
  }

  /**
   * Stores the deploy (and its held build), replacing the environment's older waiting deploy, and
   * starts it when it needs no approval and nothing else deploys there. The same revision already
   * waiting is answered with that deploy instead (unless forced), so a hundred people asking for the
   * same thing get one deploy.
   */
  admit({ repo, environment }: Environment, wanted: Wanted): DeployAdmission {
    const { store, builds, clock } = this.#deps;
    const waiting = store.newest(repo.name, environment.name, WAITING) ?? null;
    if (waiting && waiting.revision === wanted.revision && wanted.overrides.length === 0) {
      return { deploy: waiting, outcome: "duplicate", behind: null, superseded: null };
    }
    const needed = wanted.kind === "rollback" && !environment.rollbackApproval ? 0 : environment.approvals;
    const now = clock();
    const admission = this.#deps.atomically(() => {
      const build = builds.hold({
        repo: repo.name,
        branch: wanted.branch,
        requestedRevision: wanted.revision,
        requester: wanted.user.name,
        requesterId: wanted.user.id,
        channelId: wanted.channel.id,
        channelName: wanted.channel.name,
        backend: repo.backend,
        rebuildOf: null,
        createdAt: now,
        trigger: null,
        kind: "deploy",
        environment: environment.name,
      });
      store.create({
        buildId: build.id,
        repo: repo.name,
        environment: environment.name,
        kind: wanted.kind,
        revision: wanted.revision,
        branch: wanted.branch,
        sourceBuildId: wanted.sourceBuildId,
        requester: wanted.user.name,
        requesterId: wanted.user.id,
        channelId: wanted.channel.id,
        channelName: wanted.channel.name,
        state: needed > 0 ? "awaiting_approval" : "queued",
        forced: wanted.overrides.length > 0 ? wanted.overrides : null,
        approvalsNeeded: needed,
        previousRevision: store.newest(repo.name, environment.name, ["succeeded"])?.revision ?? null,
        createdAt: now,
        expiresAt: needed > 0 ? now + environment.approvalExpiryMs : null,
      });
      const superseded = waiting
        ? this.end(waiting, "superseded", `superseded by #${build.id}`, build.id)
        : null;
      if (superseded) this.notifyEnded(superseded, this.get(build.id));
      this.advance(repo.name, environment.name);
      const deploy = this.get(build.id);
      const behind =
        deploy.state === "queued" ? (store.newest(repo.name, environment.name, ["deploying"]) ?? null) : null;
      const outcome: DeployOutcome =
        deploy.state === "awaiting_approval" || deploy.state === "queued" ? deploy.state : "deploying";
      return { deploy, outcome, behind, superseded };
    });
    this.announceLater(admission.deploy);
    return admission;
  }

  /**
   * Ends a deploy that will never run (rejected, expired, superseded): its state first, so the
   * build's end (which would say "cancelled") leaves it as it is. Call inside a transaction.
   */
  end(
    deploy: Deploy,
    state: "rejected" | "expired" | "superseded",
    reason: string,
    supersededBy: number | null = null,
  ): Deploy {
    this.#deps.store.update(deploy.buildId, { state, reason, supersededBy });
    this.#deps.builds.finish(deploy.buildId, "cancelled", reason);
    return this.get(deploy.buildId);
  }

  /**
   * Starts the environment's queued deploy if nothing deploys there. Synchronous: the check and the
   * mark are one step, so two callers can never both start one. The hand-over to the backend runs
   * after the surrounding transaction has committed.
   */
  advance(repo: string, environment: string): void {
    const { store } = this.#deps;
    if (this.#closed || store.newest(repo, environment, ["deploying"])) return;
    const next = store.newest(repo, environment, ["queued"]);
    if (!next) return;
    const current = store.newest(repo, environment, ["succeeded"]);
    const started = store.update(next.buildId, {
      state: "deploying",
      previousRevision: current?.revision ?? null,
    });
    void Promise.resolve().then(() => this.launch(started));
  }

  /** Hands a deploying deploy's held build to its backend; a backend that refuses fails the deploy. */
  async launch(deploy: Deploy): Promise<void> {
    const { builds, config } = this.#deps;
    const build = builds.find(deploy.buildId);
    if (build?.status !== "queued" || this.#closed) return;
    let place: Environment;
    try {
      place = environmentOf(config, deploy.repo, deploy.environment);
    } catch (error) {
      const why = isSlashbuildError(error) ? error.message : "its environment is not configured";
      builds.finish(build.id, "failed", `not deployed: ${why}`);
      return;
    }
    try {
      await builds.launch(build, deployRepoConfig(place.repo, place.deploy, place.environment, deploy));
    } catch (error) {
      const reason = isSlashbuildError(error) ? error.message : "the backend refused it";
      this.#deps.onError(error, deploy);
      builds.finish(build.id, "failed", `could not start: ${reason}`);
    }
  }

  /**
   * Reads the commits the deploy adds, then announces the request with them (once). Both after the
   * answer: git is never started on the way to answering `/build deploy`. And git runs only for a
   * request still standing ANNOUNCE_AFTER_MS later: in a burst, each request supersedes the one
   * before it, so the ones already superseded (or rejected, or expired) are announced without
   * reading their commits, and a burst costs one read.
   */
  announceLater(deploy: Deploy): void {
    if (deploy.announced || this.#closed) return;
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      this.#announce(deploy.buildId);
    }, this.#deps.announceAfterMs ?? ANNOUNCE_AFTER_MS);
    this.#pending.add(timer);
  }

  #announce(buildId: number): void {
    if (this.#closed) return;
    const deploy = this.#deps.store.get(buildId);
    if (!deploy || deploy.announced) return;
    const place = this.#place(deploy);
    if (!place) return;
    const read = ENDED_UNRUN.has(deploy.state)
      ? Promise.resolve({
          commits: [],
          total: 0,
          compareUrl: null,
          note: `not read: the request was ${DEPLOY_STATE_WORDS[deploy.state]} first`,
        })
      : this.#deps.commits.between(place.repo, deploy.previousRevision, deploy.revision);
    const task = read
      .catch((error: unknown) => {
        this.#deps.onError(error, deploy);
        return { commits: [], total: 0, compareUrl: null, note: "the commits could not be read" };
      })
      .then((commits) => {
        if (this.#closed) return;
        this.#deps.atomically(() => {
          const now = this.#deps.store.get(deploy.buildId);
          if (!now || now.announced) return;
          const announced = this.#deps.store.update(deploy.buildId, { commits, announced: true });
          const build = this.#deps.builds.find(deploy.buildId);
          if (!build) return;
          // Ended before its announcement (notifyEnded held its notice back): said as its end.
          if (announced.state === "superseded" || announced.state === "expired") {
            this.#deps.notifier.ended(announced, build, this.#supersededBy(announced));
          } else {
            this.#deps.notifier.requested(announced, build);
          }
        });
      });
    task.catch((error: unknown) => this.#deps.onError(error, deploy));
  }

  /**
   * No new hand-overs: a shutdown must not start deploys it would then report interrupted. Waiting
   * announcements are dropped, since the store closes after this; the next start announces them.
   */
  close(): void {
    this.#closed = true;
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
  }

  get(buildId: number): Deploy {
    const deploy = this.#deps.store.get(buildId);
    if (!deploy) throw new Error(`deploy #${buildId} vanished`);
    return deploy;
  }

  /**
   * Tells the channel a deploy will never run (call inside the transaction that ended it). A request
   * not yet announced says nothing now: its announcement says it ended, in one post instead of two
   * (a burst of requests, each superseding the last, posts once per request).
   */
  notifyEnded(deploy: Deploy, by: Deploy | null): void {
    if (!deploy.announced) return;
    const build = this.#deps.builds.find(deploy.buildId);
    if (build) this.#deps.notifier.ended(deploy, build, by);
  }

  /** The request that replaced this one (admit() records it). */
  #supersededBy(deploy: Deploy): Deploy | null {
    return deploy.supersededBy === null ? null : (this.#deps.store.get(deploy.supersededBy) ?? null);
  }

  #place(deploy: Deploy): Environment | null {
    try {
      return environmentOf(this.#deps.config, deploy.repo, deploy.environment);
    } catch {
      return null;
    }
  }
}

/** How long a request's announcement waits for a newer one to supersede it; unnoticed in chat. */
const ANNOUNCE_AFTER_MS = 200;

/** A deploy that ended before it could run: its request is still announced, without a git read. */
const ENDED_UNRUN: ReadonlySet<DeployState> = new Set(["superseded", "rejected", "expired", "cancelled"]);
