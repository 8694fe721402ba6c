/**
 * A deploy's own record (issue 20): which revision goes to which environment, who asked, who
 * decided, and where it stands. The deploy *runs* as a Build of kind "deploy" (core/build.ts), so its
 * number, log, page, runner, sandbox and posts are a build's; this record links to it by `buildId`,
 * and that build number is the deploy's number everywhere a person sees one (`/build approve 42`).
 */

/** Typed `/build deploy`, `/build rollback`, or made by `auto: true` from a green build. */
export type DeployKind = "deploy" | "rollback" | "auto";

/**
 * Where a deploy stands. The first three are open: it waits for approvals, for its environment to
 * be free, or runs (`deploying` from the moment it is handed to a runner). The rest are final; the
 * build's final status becomes the deploy's in the same transaction (store/deploys-migration.ts),
 * except for the three decisions slashbuild makes before a deploy runs: rejected, expired, superseded.
 */
export type DeployState =
  | "awaiting_approval"
  | "queued"
  | "deploying"
  | "succeeded"
  | "failed"
  | "timed_out"
  | "interrupted"
  | "cancelled"
  | "rejected"
  | "expired"
  | "superseded";

export const DEPLOY_STATE_WORDS: Readonly<Record<DeployState, string>> = {
  awaiting_approval: "waiting for approval",
  queued: "queued",
  deploying: "deploying",
  succeeded: "succeeded",
  failed: "failed",
  timed_out: "timed out",
  interrupted: "interrupted",
  cancelled: "cancelled",
  rejected: "rejected",
  expired: "expired",
  superseded: "superseded",
};

/** One person's decision on a deploy. `userId` is Mattermost's user id: names are never compared. */
export interface Decision {
  readonly userId: string;
  readonly userName: string;
  readonly verdict: "approved" | "rejected";
  readonly reason: string | null;
  /** A typed command, a button in chat, or the web page. */
  readonly via: "command" | "button" | "web";
  readonly at: number;
}

/** A commit between the environment's current revision and the one requested, for the request post. */
export interface CommitSummary {
  readonly sha: string;
  readonly title: string;
  readonly author: string;
}

export interface CommitRange {
  /** Newest first, at most a page of them. */
  readonly commits: readonly CommitSummary[];
  /** All commits in the range (more than `commits` when the list was cut). */
  readonly total: number;
  /** The Git host's compare page, where the host is known. */
  readonly compareUrl: string | null;
  /** Why the commits are not shown (no earlier deploy, git failed); null when they are. */
  readonly note: string | null;
}

export interface Deploy {
  /** The build that runs it: the deploy's number for people. */
  readonly buildId: number;
  readonly repo: string;
  readonly environment: string;
  readonly kind: DeployKind;
  /** Full commit id (as typed, abbreviated, only for a forced deploy of a commit never built). */
  readonly revision: string;
  /** The branch the revision is deployed from. */
  readonly branch: string;
  /** The green build that vouches for the revision; null for a forced deploy without one. */
  readonly sourceBuildId: number | null;
  readonly requester: string;
  readonly requesterId: string;
  readonly channelId: string;
  readonly channelName: string;
  readonly state: DeployState;
  /** What an admin's --force overrode ("no green build", "the freeze", "@bob's lock"); null = not forced. */
  readonly forced: readonly string[] | null;
  readonly approvalsNeeded: number;
  readonly decisions: readonly Decision[];
  /** What the environment held when this was asked for, then when it started: SLASHBUILD_PREVIOUS_REVISION. */
  readonly previousRevision: string | null;
  /** Read after the request is answered; null until then. */
  readonly commits: CommitRange | null;
  /** Whether the request has been announced in chat (with its commits). */
  readonly announced: boolean;
  /** Why it ended when the build does not say (rejected by, expired, superseded by). */
  readonly reason: string | null;
  /** The newer request that replaced it (superseded; a newer push's build is named in `reason`). */
  readonly supersededBy: number | null;
  readonly createdAt: number;
  /** When an unapproved request expires; null when it needs no approval. */
  readonly expiresAt: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

export function approvalsOf(deploy: Pick<Deploy, "decisions">): Decision[] {
  return deploy.decisions.filter((decision) => decision.verdict === "approved");
}

/** An environment's lock: while it holds, deploys by anyone but the holder are refused. */
export interface EnvironmentLock {
  readonly repo: string;
  readonly environment: string;
  readonly holder: string;
  readonly holderId: string;
  readonly reason: string | null;
  readonly since: number;
  readonly expiresAt: number;
}

/** What happened to an environment besides its deploys; kept for history. */
export type EnvironmentEventKind = "locked" | "unlocked" | "lock_broken" | "lock_lapsed";

export interface EnvironmentEvent {
  readonly repo: string;
  readonly environment: string;
  readonly kind: EnvironmentEventKind;
  /** Who did it (for a lapse: the holder). */
  readonly actor: string;
  readonly actorId: string;
  /** Whose lock it is (for a broken lock, not the actor). */
  readonly holder: string;
  /** The lock's reason. */
  readonly detail: string | null;
  readonly at: number;
}

/** Whether an environment is frozen now, and the next freeze (schedules/freeze-windows.ts). */
export interface FreezeState {
  /** The pattern that freezes this minute, and when it ends (null: not within a week). */
  readonly now: { readonly pattern: string; readonly until: number | null } | null;
  /** The next minute a pattern matches, when not frozen now; null = none within a year. */
  readonly next: { readonly pattern: string; readonly at: number } | null;
}
