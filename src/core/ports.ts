import type { RepoConfig } from "../config/config.js";
import type { BackendName, Build, BuildStatus, Step } from "./build.js";
import type { BuildEventSink } from "./events.js";

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
  /** Builds still waiting to start: all of them, and those one requester asked for (queue limits). */
  countQueued(requesterId: string): { readonly total: number; readonly mine: number };
  update(id: number, patch: BuildPatch): Build;
  setSteps(id: number, names: readonly string[]): void;
  updateStep(id: number, index: number, patch: Partial<Omit<Step, "index">>): void;
}

/**
 * Runs builds. `start` hands a stored, queued build over and returns once the backend has it (queued
 * locally, or accepted by Buildbot); all progress arrives later through the BuildEventSink given at
 * construction. A backend that cannot take the build throws a SlashbuildError (BACKEND_UNAVAILABLE).
 */
export interface BuildBackend {
  readonly name: BackendName;
  start(build: Build, repo: RepoConfig): Promise<void>;
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

export type BackendFactory = (sink: BuildEventSink) => BuildBackend;

/** Answers questions about a repository's refs before a build is queued. */
export interface RefChecker {
  /** Whether `branch` exists in the repository now (fetching if the cached answer is stale or unknown). */
  branchExists(repo: RepoConfig, branch: string): Promise<boolean>;
}

/** Status posts: what the channel is told when a build starts and finishes. Durable (see notify/). */
export interface StatusNotifier {
  buildQueued(build: Build): void;
  buildStarted(build: Build): void;
  /** A step began (bot mode edits the build's post to "step k of n"); optional for notifiers without edits. */
  buildProgressed?(build: Build): void;
  buildFinished(build: Build): void;
}

export type Clock = () => number;

/** A step's output for the web pages; each backend keeps logs its own way (files, Buildbot's REST API). */
export interface LogSource {
  read(build: Build, stepIndex: number): Promise<string | null>;
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
}
