import { type Build, isFinal } from "./build.js";

/**
 * Deduplication of build requests: is there already a queued or running build that will build
 * exactly what is being asked for? Decided on what is known without touching git:
 *
 * - A request for a branch tip matches an unfinished tip build of the same repo and branch. A
 *   queued one resolves the tip when it starts, so it builds whatever was pushed before then; a
 *   running one resolved it already (its sha is in the answer, with the override for "I pushed
 *   since"). Resolving the tip again would cost a fetch on every /build.
 * - A request for a revision matches an unfinished build of the same repo and branch whose typed
 *   revision or resolved sha names the same commit (one id a prefix of the other).
 */
export interface WantedBuild {
  readonly repo: string;
  readonly branch: string;
  /** Lower-case hex as checkRevision returns it; null = the branch tip. */
  readonly revision: string | null;
}

export function findDuplicate(candidates: readonly Build[], wanted: WantedBuild): Build | undefined {
  const matches = candidates.filter(
    (build) =>
      !isFinal(build.status) &&
      build.repo === wanted.repo &&
      build.branch === wanted.branch &&
      sameCommit(build, wanted.revision),
  );
  // The newest: after an override there may be several, and the latest is the one to watch.
  return matches.at(-1);
}

function sameCommit(build: Build, revision: string | null): boolean {
  if (revision === null) return build.requestedRevision === null;
  const typed = build.requestedRevision?.toLowerCase();
  if (typed && (typed.startsWith(revision) || revision.startsWith(typed))) return true;
  return build.sha?.toLowerCase().startsWith(revision) ?? false;
}
