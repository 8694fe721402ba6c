import type { RepoConfig } from "../config/config.js";
import { revParse } from "./read-commits.js";

/**
 * The refs a Git host adds to branches: pull request heads and tags. A mirror holds them only
 * for repos whose `on:` builds them, and a build names them instead of a branch.
 */

/** A pull request build's branch (core/triggers/admit-forge-event.ts pullBranch). */
const PULL_BRANCH = /^pull\/(\d+)$/;

/**
 * The refspec that fetches the repo's pull request heads into refs/pull/<n>/head on every host (a
 * fork's head is reachable no other way), or null when the repo builds no pull requests or has
 * no host.
 */
export function pullHeadsRefspec(
  repo: RepoConfig,
  pullRequestHeads: (repo: RepoConfig) => string | null,
): string | null {
  const heads = repo.on?.pullRequest ? pullRequestHeads(repo) : null;
  return heads ? `+${heads}:refs/pull/*/head` : null;
}

/**
 * Builds started by a webhook may name a tag (push of a tag) or a pull request head instead of a
 * branch; typed /build never reaches here with those, because branchExists knows branches only.
 */
export async function nonBranchTip(repo: RepoConfig, dir: string, name: string): Promise<string | null> {
  const pull = PULL_BRANCH.exec(name);
  if (pull && repo.on?.pullRequest) return revParse(dir, `refs/pull/${pull[1]}/head^{commit}`);
  if ((repo.on?.tags.length ?? 0) > 0) return revParse(dir, `refs/tags/${name}^{commit}`);
  return null;
}
