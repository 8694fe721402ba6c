import type { BuildTrigger } from "./triggers/trigger.js";

/**
 * The Build: what was asked for, by whom, and what became of it. Plain data shared by every layer;
 * the store persists it, backends advance it through BuildEvents, chat and web render it.
 */

/** Where a build stands. The last five are final: a build never leaves them. */
export type BuildStatus =
  | "queued"
  | "running"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "timed_out"
  | "interrupted";

export type FinalStatus = Exclude<BuildStatus, "queued" | "running">;

const FINAL_STATUSES: ReadonlySet<BuildStatus> = new Set<BuildStatus>([
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "interrupted",
]);

export function isFinal(status: BuildStatus): status is FinalStatus {
  return FINAL_STATUSES.has(status);
}

/** The word a person reads for each status, used in chat and on the web alike. */
export const STATUS_WORDS: Readonly<Record<BuildStatus, string>> = {
  queued: "queued",
  running: "running",
  succeeded: "succeeded",
  failed: "failed",
  cancelled: "cancelled",
  timed_out: "timed out",
  interrupted: "interrupted",
};

export type StepStatus =
  | "pending"
  | "running"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "timed_out"
  | "skipped";

export interface Step {
  /** 0-based position in the build. */
  readonly index: number;
  /** The command line (embedded runner) or step name (Buildbot). */
  readonly name: string;
  readonly status: StepStatus;
  readonly exitCode: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

export type BackendName = "local" | "buildbot";

export interface Build {
  /** Build number: assigned by the store, only ever increases, never reused across restarts. */
  readonly id: number;
  readonly repo: string;
  readonly branch: string;
  /** The revision the requester typed, if any (full or abbreviated hex). */
  readonly requestedRevision: string | null;
  /** The full commit id actually built; known once the backend has resolved it. */
  readonly sha: string | null;
  readonly requester: string;
  readonly requesterId: string;
  readonly channelId: string;
  readonly channelName: string;
  readonly backend: BackendName;
  readonly status: BuildStatus;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Name of the step that failed or timed out, for the finish post. */
  readonly failingStep: string | null;
  /** A human explanation when the build ended for a reason other than a step result. */
  readonly reason: string | null;
  readonly rebuildOf: number | null;
  /** Backend-owned references (for Buildbot: buildset, build request and build ids, its URL). */
  readonly external: Readonly<Record<string, unknown>>;
  readonly steps: readonly Step[];
  /** What started it when nobody typed /build (push, pull request, schedule); null/absent = typed. */
  readonly trigger?: BuildTrigger | null;
}

export function durationMs(build: Pick<Build, "startedAt" | "finishedAt" | "createdAt">): number | null {
  if (build.finishedAt === null) return null;
  return build.finishedAt - (build.startedAt ?? build.createdAt);
}

export function shortSha(sha: string | null): string {
  return sha ? sha.slice(0, 10) : "unresolved";
}
