import type { ForgeConfig, RepoConfig } from "../../config/config.js";
import { type Build, durationMs, STATUS_WORDS } from "../../core/build.js";
import { isFullCommitId } from "../../core/commit-id.js";
import { formatDuration } from "../../core/format-duration.js";
import type { ForgeKind } from "../../core/triggers/trigger.js";

/**
 * What a commit status says about a build (forges CONTRACT §4), as stored in the outbox. The token
 * is not in it: the transport adds it at send time, so the database never holds the secret.
 */

export type StatusState = "pending" | "success" | "failure" | "error";

export interface CommitStatusPayload {
  readonly forge: ForgeKind;
  /** owner/name (GitHub, Gitea) or the GitLab project path (URL-encoded at send time). */
  readonly repo: string;
  readonly sha: string;
  readonly state: StatusState;
  readonly targetUrl: string;
  readonly description: string;
  readonly context: string;
}

/** GitHub answers 422 above 140 characters. */
const MAX_DESCRIPTION = 140;

function statusState(build: Pick<Build, "status">): StatusState {
  switch (build.status) {
    case "queued":
    case "running":
      return "pending";
    case "succeeded":
      return "success";
    case "failed":
    case "timed_out":
      return "failure";
    case "cancelled":
    case "interrupted":
      return "error";
  }
}

/** The commit a status belongs to: the resolved sha, else the full id a trigger asked for; null = not known yet. */
export function statusSha(build: Pick<Build, "sha" | "requestedRevision">): string | null {
  if (build.sha) return build.sha;
  const wanted = build.requestedRevision;
  return isFullCommitId(wanted) ? wanted : null;
}

function describe(build: Build): string {
  const duration = durationMs(build);
  let text = `#${build.id} ${STATUS_WORDS[build.status]}`;
  if (duration !== null) text += ` in ${formatDuration(duration)}`;
  if (build.reason && build.status !== "succeeded") text += `: ${build.reason}`;
  else if (build.failingStep) text += `: ${build.failingStep}`;
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;
}

export function formatCommitStatus(
  build: Build,
  repo: RepoConfig,
  forge: ForgeConfig,
  publicUrl: string,
): CommitStatusPayload | null {
  const sha = statusSha(build);
  if (sha === null || !repo.fullName) return null;
  return {
    forge: forge.kind,
    repo: repo.fullName,
    sha,
    state: statusState(build),
    targetUrl: `${publicUrl}/builds/${build.id}`,
    description: describe(build),
    context: forge.statusContext,
  };
}
