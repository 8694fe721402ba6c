import { isFullCommitId } from "../core/commit-id.js";
import { SlashbuildError } from "../core/errors.js";
import { GitError, runGit } from "./run-git.js";

/**
 * Read-only questions about commits in a local repository (the mirrors). Every value is either a
 * validated hex id or starts with `refs/heads/`, and `--end-of-options` guards each one anyway.
 */

const LOCAL_TIMEOUT_MS = 120_000;

/** The commit `rev` names, or null when there is none (exit 1/128: unknown or not a commit). */
export async function revParse(dir: string, rev: string): Promise<string | null> {
  try {
    const { stdout } = await runGit(["rev-parse", "--verify", "--quiet", "--end-of-options", rev], {
      cwd: dir,
      timeoutMs: LOCAL_TIMEOUT_MS,
    });
    return stdout.trim() || null;
  } catch (error) {
    if (error instanceof GitError && (error.exitCode === 1 || error.exitCode === 128)) return null;
    throw error;
  }
}

/**
 * The one commit whose id starts with `hex`. `--disambiguate` looks only at object ids, so a branch
 * or tag that happens to be called `beef` cannot stand in for commit `beef...`.
 */
export async function findCommit(dir: string, hex: string): Promise<string | null> {
  const { stdout } = await runGit(["rev-parse", `--disambiguate=${hex}`], {
    cwd: dir,
    timeoutMs: LOCAL_TIMEOUT_MS,
  });
  const commits: string[] = [];
  for (const candidate of stdout.split("\n").filter(isFullCommitId)) {
    const { stdout: type } = await runGit(["cat-file", "-t", candidate], {
      cwd: dir,
      timeoutMs: LOCAL_TIMEOUT_MS,
    });
    if (type.trim() === "commit") commits.push(candidate);
  }
  if (commits.length > 1) {
    throw new SlashbuildError(
      "REVISION_MALFORMED",
      `The short id ${hex} matches ${commits.length} commits; type more of its hex digits.`,
    );
  }
  return commits[0] ?? null;
}

export async function isAncestor(dir: string, ancestor: string, tip: string): Promise<boolean> {
  try {
    await runGit(["merge-base", "--is-ancestor", "--end-of-options", ancestor, tip], {
      cwd: dir,
      timeoutMs: LOCAL_TIMEOUT_MS,
    });
    return true;
  } catch (error) {
    if (error instanceof GitError && error.exitCode === 1) return false;
    throw error;
  }
}
