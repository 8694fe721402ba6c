import type { RepoConfig } from "../config/config.js";
import type { BackendName, Build, BuildKind, BuildStatus, Step } from "./build.js";
import type { ChatUser } from "./chat-command.js";
import type { DeployService } from "./deploys/deploy-service.js";
import type { TestReport } from "./test-report.js";
import type { BuildTrigger } from "./triggers/trigger.js";

/**
 * The small interfaces the core depends on. Implementations live outside core/ (store/, git/,
 * backends/, notify/); tests swap them freely. Keep each one small: a new backend or chat
 * transport should need a page of code, not a framework.
 */

export interface NewBuild {
  readonly repo: string;
  readonly branch: string;
  readonly requestedRevision: string | null;
  readonly requester: string;
  readonly requesterId: string;
  readonly channelId: string;
  readonly channelName: string;
  readonly backend: BackendName;
  readonly rebuildOf: number | null;
  readonly createdAt: number;
  /** Push, pull request or schedule; absent = typed. */
  readonly trigger?: BuildTrigger | null;
  /** Absent = "build". */
  readonly kind?: BuildKind;
  /** A deploy's environment. */
  readonly environment?: string | null;
}

export interface BuildFilter {
  readonly repo?: string;
  readonly branch?: string;
  readonly status?: BuildStatus;
  readonly requester?: string;
  /** Only builds with an id below this one (keyset pagination, newest first). */
  readonly beforeId?: number;
  readonly limit?: number;
}

/**
 * A branch as the repo overview and badges show it (issue 21): only the fields they show, since a
 * whole build row costs many times more to read than these (a page lists fifty branches).
 */
export interface BranchHead {
  readonly branch: string;
  /** What the overview orders branches by: its verdict's build number, or its first build's until it has one. */
  readonly recentId: number;
  /** The branch's newest build, whatever its state. */
  readonly latest: Pick<Build, "id" | "status" | "requester" | "createdAt" | "startedAt" | "finishedAt">;
  /** Its newest build that succeeded, failed or timed out (by number); null when none has yet. */
  readonly verdict: Pick<Build, "id" | "status"> | null;
}

export type BuildPatch = Partial<
  Pick<Build, "status" | "sha" | "startedAt" | "finishedAt" | "failingStep" | "reason" | "external">
>;

/** Persistence of builds. Ids come from the store and only ever increase. */
export interface BuildStore {
  create(build: NewBuild): Build;
  get(id: number): Build | undefined;
  list(filter?: BuildFilter): Build[];
  /** Builds that are queued or running, oldest first; only those of `repo` and `branch` when given. */
  unfinished(where?: { readonly repo: string; readonly branch: string }): Build[];
  /**
   * The newest queued or running build of `repo` and `branch` that builds the same commit as asked
   * (find-duplicate.ts's rule: a tip build for the tip; for a revision, a typed revision or sha
   * that is a prefix of it or has it as prefix), or none. Read through an index: the duplicate
   * check runs on every acknowledgement and must not read the whole queue of the branch.
   */
  newestSameUnfinished(wanted: {
    readonly repo: string;
    readonly branch: string;
    readonly revision: string | null;
  }): Build[];
  /**
   * The status of the branch's latest earlier build that has a verdict (succeeded, failed or timed
   * out), looking back a bounded page of builds; undefined when there is none. For "broke" and
   * "fixed" and `notify: changes`, on every finish: one indexed row, never the history.
   */
  previousVerdict(build: Pick<Build, "repo" | "branch" | "id">): Pick<Build, "status"> | undefined;
  /**
   * The repo's branches by their latest verdict, newest first (a branch without one yet by its first
   * build), at most `limit`, those with a recentId below `beforeId` when given (keyset pages); one
   * branch's, or undefined when it was never built. Read by key from a table the database keeps
   * current (never a walk of the history): the repo overview and the badges ask on every view.
   */
  branchHeads(repo: string, limit: number, beforeId?: number): BranchHead[];
  branchHead(repo: string, branch: string): BranchHead | undefined;
  /** Builds still waiting to start: all of them, and those one requester asked for (queue limits). */
  countQueued(requesterId: string): { readonly total: number; readonly mine: number };
  update(id: number, patch: BuildPatch): Build;
  setSteps(id: number, names: readonly string[]): void;
  /**
   * Forgets a build no backend ever took (a refused request): its row and steps go, and its number
   * is handed out again when it was the last one, since nobody was ever told of it.
   */
  discard(id: number): void;
  updateStep(id: number, index: number, patch: Partial<Omit<Step, "index">>): void;
}

/**
 * What `start` knows when it returns: the backend has the build, or the hand-over was sent but not
 * confirmed (a timeout or a reset after the request went out). An unconfirmed build may be running
 * already, so it is not a failure: the backend keeps tracking it and later reports that it ran, or
 * a `finished` event saying it never arrived. `note` tells the requester so, without inviting a retry.
 */
export type StartOutcome =
  | { readonly confirmed: true }
  | { readonly confirmed: false; readonly note: string };

/**
 * Runs builds. `start` hands a stored, queued build over and returns once the backend has it (queued
 * locally, or accepted by Buildbot); all progress arrives later through the BuildEventSink given at
 * construction. A backend that certainly did not take the build throws a SlashbuildError
 * (BACKEND_UNAVAILABLE); one that cannot tell returns `{ confirmed: false }` (see StartOutcome).
 */
export interface BuildBackend {
  readonly name: BackendName;
  // biome-ignore lint/suspicious/noConfusingVoidType: a backend that always confirms returns nothing.
  start(build: Build, repo: RepoConfig): Promise<StartOutcome | void>;
  /** Ends a queued or running build; a `finished` event with status cancelled follows. */
  stop(build: Build, repo: RepoConfig, requestedBy: string): Promise<void>;
  /**
   * Called once at startup with this backend's unfinished builds, before new work arrives.
   * The embedded runner reports running ones as interrupted and queues the rest again;
   * Buildbot reconciles them against the master.
   */
  recover(builds: readonly Build[], repos: Readonly<Record<string, RepoConfig>>): Promise<void>;
  close(): Promise<void>;
}

/** Answers questions about a repository's refs before a build is queued. */
export interface RefChecker {
  /** Whether `branch` exists in the repository now (fetching if the cached answer is stale or unknown). */
  branchExists(repo: RepoConfig, branch: string): Promise<boolean>;
  /**
   * Refuses (SlashbuildError REVISION_UNKNOWN or REVISION_NOT_ON_BRANCH) a revision that is not a
   * commit on `branch` (its tip or an ancestor), so no backend builds other code under a branch's name.
   */
  assertOnBranch(repo: RepoConfig, branch: string, revision: string): Promise<void>;
}

/** Where a build's status posts go and which it gets, so the requester's answer can say so truly. */
export interface PostDestination {
  /**
   * `here`: the channel the command came from; `channel`: another one, by name; `webhook`: the
   * incoming webhook's own channel; `console`: slashbuild's stdout; null: nowhere.
   */
  readonly where:
    | { readonly kind: "here" }
    | { readonly kind: "channel"; readonly name: string }
    | { readonly kind: "webhook" }
    | { readonly kind: "console" }
    | null;
  /** The repo's `notify` filter: every build, only failures, or only changes of verdict. */
  readonly when: "all" | "failures" | "changes";
}

/** Status posts: what the channel is told when a build starts and finishes. Durable (see notify/). */
export interface StatusNotifier {
  /** Where this build's posts go; absent or undefined = the notifier cannot say. */
  destination?(build: Build): PostDestination | undefined;
  buildQueued(build: Build): void;
  buildStarted(build: Build): void;
  /** A step began (bot mode edits the build's post to "step k of n"); optional for notifiers without edits. */
  buildProgressed?(build: Build): void;
  buildFinished(build: Build): void;
}

export type Clock = () => number;

/**
 * Runs `work` as one unit: every write it makes, to builds and to the outbox of posts they cause,
 * is stored together or not at all (one SQLite transaction). So a crash can never keep a build's
 * new state and lose the post that announces it. Synchronous: nothing may await inside.
 */
export type Atomically = <T>(work: () => T) => T;
/** When each schedule last fired, kept across restarts (store/sqlite-schedule-runs.ts). */
export interface ScheduleRuns {
  lastRun(repo: string, name: string): number | null;
  record(repo: string, name: string, at: number): void;
}

/**
 * Webhook deliveries already received, by the Git host's delivery id, so a redelivery (a host's
 * retry after a timeout, or someone's "Redeliver") builds nothing twice.
 */
export interface WebhookDeliveries {
  /** Records the delivery; false when it was already recorded (a repeat). */
  claim(forge: string, delivery: string, at: number): boolean;
  /** Forgets a claim whose handling failed, so the host's next attempt is handled afresh. */
  release(forge: string, delivery: string): void;
}

/** Which builds of a commit a flaky-test question is about: those of `repo` at `sha` before `before`. */
export interface CommitHistory {
  readonly repo: string;
  readonly sha: string;
  readonly before: number;
}

/**
 * The builds' test reports (embedded runner, `test_reports`). A build's report is saved after each
 * step that read one, replacing what was saved before. The questions are for flaky tests, each one
 * index seek whatever the history: most commits never failed a test, so the first question spares
 * one per passing test.
 */
export interface TestReportStore {
  save(build: { readonly id: number; readonly repo: string; readonly sha: string }, report: TestReport): void;
  /** Whether any test failed in those builds. */
  anyFailed(where: CommitHistory): boolean;
  /** The latest of those builds in which this test failed, or null. */
  failedIn(where: CommitHistory & { readonly name: string; readonly classname: string }): number | null;
}

/** A step's output for the web pages; each backend keeps logs its own way (files, Buildbot's REST API). */
export interface LogSource {
  read(build: Build, stepIndex: number): Promise<string | null>;
}

/** The end of a step's output: what a failure excerpt is made from. */
export interface LogTail {
  readonly text: string;
  /** True when the text is the whole log; false when earlier output was not read. */
  readonly complete: boolean;
}

/**
 * Bounded reads of a step's output, for chat's failure excerpts: reading at most `maxBytes` from its
 * end keeps memory and event-loop time independent of the log's size.
 */
export interface LogTailSource {
  readTail(build: Build, stepIndex: number, maxBytes: number): Promise<LogTail | null>;
}

/** What `/build health` reports: the /readyz checks, and the queue and outbox at a glance. */
export interface HealthFacts {
  readonly ready: boolean;
  readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly detail: string }[];
  readonly queue: { readonly depth: number; readonly oldestAgeMs: number | null };
  readonly outbox: { readonly pending: number; readonly oldestAgeMs: number | null };
}

/** Optional extras of handleCommand that live outside the core (health probes). */
export interface CommandExtras {
  readonly health?: () => Promise<HealthFacts>;
  /** Deploying from chat (core/deploys/); absent = the deploy commands answer that it is not set up. */
  readonly deploys?: DeployService;
  /** Present when a chat platform sends direct messages (Mattermost's bot mode); absent = none does. */
  readonly directMessages?: DirectMessagePreferences;
}

/** Which of their builds' finishes a person hears about by direct message (`/build notify me …`). */
export type DirectMessageLevel = "failures" | "all" | "off";

/** Each person's choice, by chat user id (store/sqlite-direct-messages.ts). */
export interface DirectMessagePreferences {
  /** What the person chose; "off" when they chose nothing. */
  levelOf(userId: string): DirectMessageLevel;
  /** A person by chat user name (a pusher, mapped through mattermost_users); undefined = chose nothing. */
  byName(name: string): { readonly userId: string; readonly level: "failures" | "all" } | undefined;
  set(user: ChatUser, level: DirectMessageLevel): void;
}
