/**
 * A full commit id as git prints it: 40 lower-case hex digits (SHA-1), or 64 (SHA-256 repositories).
 * Nothing in between: the one definition wherever slashbuild takes a commit id as full (refs it
 * reads, payloads, statuses, working copies). What a person types may be short: validate-ref.ts.
 */
export const FULL_COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function isFullCommitId(value: unknown): value is string {
  return typeof value === "string" && FULL_COMMIT_ID.test(value);
}
