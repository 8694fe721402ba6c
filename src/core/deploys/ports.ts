import type { EnvironmentConfig, RepoConfig } from "../../config/config.js";
import type { Build } from "../build.js";
import type { ChatChannel } from "../chat-command.js";
import type { NewBuild, StartOutcome } from "../ports.js";
import type {
  CommitRange,
  Decision,
  Deploy,
  DeployState,
  EnvironmentEvent,
  EnvironmentLock,
  FreezeState,
} from "./deploy.js";

/**
 * The interfaces deploys depend on. Like core/ports.ts: implementations live outside core/
 * (store/sqlite-deploy-store.ts, schedules/freeze-windows.ts, git/commit-log.ts, the chat's deploy
 * posts), and src/wiring/deploys.ts wires them.
 */

export type NewDeploy = Omit<
  Deploy,
  "decisions" | "commits" | "announced" | "reason" | "supersededBy" | "startedAt" | "finishedAt"
>;

export type DeployPatch = Partial<
  Pick<
    Deploy,
    "state" | "reason" | "supersededBy" | "previousRevision" | "commits" | "announced" | "revision"
  >
>;

/** Deploy records, decisions, locks and environment events. Every read the admission makes is an index seek. */
export interface DeployStore {
  create(deploy: NewDeploy): Deploy;
  /** By its build number. */
  get(buildId: number): Deploy | undefined;
  update(buildId: number, patch: DeployPatch): Deploy;
  /** Records one person's decision; a second one by the same person is refused by the table. */
  decide(buildId: number, decision: Decision): void;
  /** The newest deploy of the environment in one of these states. */
  newest(repo: string, environment: string, states: readonly DeployState[]): Deploy | undefined;
  /** The newest succeeded deploy older than `before` of another revision: what a rollback restores. */
  previousSucceeded(before: Deploy): Deploy | undefined;
  /** The environment's deploys, newest first. */
  history(repo: string, environment: string, limit: number): Deploy[];
  /** Every open deploy (waiting or deploying), oldest first: recovery at start-up. */
  open(): Deploy[];
  /** Deploys whose request has not been announced yet (a crash came first). */
  unannounced(): Deploy[];
  /** Deploys awaiting approval whose time ran out by `now`. */
  dueExpiries(now: number, limit: number): Deploy[];
  lock(repo: string, environment: string): EnvironmentLock | undefined;
  setLock(lock: EnvironmentLock): void;
  clearLock(repo: string, environment: string): void;
  lapsedLocks(now: number, limit: number): EnvironmentLock[];
  record(event: EnvironmentEvent): void;
  events(repo: string, environment: string, limit: number): EnvironmentEvent[];
}

/** Successful builds, the evidence a revision may be deployed. Index seeks (store/sqlite-green-builds.ts). */
export interface GreenBuilds {
  /** The newest successful build (not a deploy) of the branch. */
  newest(repo: string, branch: string): Build | undefined;
  /** Successful builds (not deploys) of commits starting with `revision`, newest first, at most `limit`. */
  ofRevision(repo: string, revision: string, limit: number): Build[];
}

/** Freeze windows of an environment, from its cron patterns (schedules/freeze-windows.ts). */
export interface FreezeCalendar {
  at(environment: EnvironmentConfig, now: number): FreezeState;
}

/** The commits a deploy would add to its environment (git/commit-log.ts, and the Git host's compare page). */
export interface CommitLog {
  between(repo: RepoConfig, from: string | null, to: string): Promise<CommitRange>;
}

/**
 * What the channel hears of deploys beyond their build's own posts (those go through the
 * StatusNotifier like any build's). Called inside the transaction that makes the change, so a
 * decision and its announcement are stored together. Chat implements it (chat/mattermost/deploy-*).
 */
export interface DeployNotifier {
  /** The request, with its commits: the approval request when it needs approval. */
  requested(deploy: Deploy, build: Build): void;
  /** A decision was recorded (`deploy` as it stands after it). */
  decided(deploy: Deploy, build: Build, decision: Decision): void;
  /** It will never run: rejected (see its decisions), expired, or superseded by `by`. */
  ended(deploy: Deploy, build: Build, by: Deploy | null): void;
  /** A lock was taken, released, broken or lapsed; `channel` is where it was typed (null: no one typed it). */
  environmentChanged(event: EnvironmentEvent, channel: ChatChannel | null): void;
  /** An `auto: true` environment did not take a green build, and why. */
  autoSkipped(build: Build, environment: string, why: string): void;
}

/**
 * What deploys need of BuildService: a deploy's build is stored when it is asked for (so it has its
 * number and post from the start) but handed to a runner only when approved and its environment is
 * free. Everything else about the build (state machine, posts, stop) is BuildService's as for any.
 */
export interface DeployBuilds {
  /** Stores a queued build no backend has yet, and announces it as queued. */
  hold(build: NewBuild): Build;
  /** Hands a held build to its backend, to run `repo` (the deploy's commands and environment). */
  // biome-ignore lint/suspicious/noConfusingVoidType: as BuildBackend.start, a backend that always confirms returns nothing.
  launch(build: Build, repo: RepoConfig): Promise<StartOutcome | void>;
  /** Ends a build that will not run (rejected, expired, superseded) or could not be launched. */
  finish(buildId: number, status: "cancelled" | "failed", reason: string): void;
  find(buildId: number): Build | undefined;
}
