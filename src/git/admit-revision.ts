import { existsSync } from "node:fs";
import type { RepoConfig } from "../config/config.js";
import { SlashbuildError } from "../core/errors.js";
import { checkBranchName, checkRevision } from "../core/validate-ref.js";
import { elapsedMs } from "./elapsed-ms.js";
import { nonBranchTip } from "./host-refs.js";
import { remoteBranchTip } from "./mirror-refs.js";
import type { MirrorStore } from "./mirror-store.js";
import { findCommit, isAncestor, revParse } from "./read-commits.js";

/**
 * Which commit a build may build, answered from the mirror when it can be: `/build` is
 * acknowledged without the network when the branch is known, and before every build the remote is
 * asked for the branch's tip (`git ls-remote`), the mirror fetched only when it does not already
 * have that tip, so what is built is always the tip at build time, never a stale mirror.
 */

/** Answers from the cache when the branch is known; otherwise fetches once and looks again. */
export async function branchExists(store: MirrorStore, repo: RepoConfig, branch: string): Promise<boolean> {
  if (store.cached(repo)?.heads.has(branch)) return true;
  if (!store.cached(repo) && existsSync(store.mirrorPath(repo))) {
    // After a restart the mirror on disk is a good first answer for known branches.
    await store.refreshRefs(repo).catch(() => {});
    if (store.cached(repo)?.heads.has(branch)) return true;
  }
  await store.fetch(repo);
  return store.cached(repo)?.heads.has(branch) ?? false;
}

/**
 * The full commit id to build: the branch tip, or `revision` when it exists and is on the branch
 * (equal to or an ancestor of its tip). Without that check, someone allowed to build `dev` could
 * build unreviewed code under a protected branch's name (and deploy it).
 */
export async function resolveRevision(
  store: MirrorStore,
  repo: RepoConfig,
  branch: string,
  revision: string | null,
): Promise<string> {
  checkBranchName(branch);
  const wanted = revision === null ? null : checkRevision(revision);
  const started = performance.now();
  const current = await tipIfCurrent(store, repo, branch);
  if (current !== null) {
    // Any doubt (an unknown revision, one not on the branch) is settled after a fetch, as before.
    const sha = await locate(store, repo, branch, wanted, current).catch(() => null);
    if (sha !== null) {
      store.logger?.debug({ repo: repo.name, fetched: false, ms: elapsedMs(started) }, "commit resolved");
      return sha;
    }
  }
  await store.fetch(repo);
  const sha = await locate(store, repo, branch, wanted);
  store.logger?.debug({ repo: repo.name, fetched: true, ms: elapsedMs(started) }, "commit resolved");
  return sha;
}

/**
 * The admission check (RefChecker): answered from the mirror when it already shows the revision on
 * the branch, so a build of a known commit is acknowledged without the network; otherwise fetched
 * first (the commit or the branch may be newer than the mirror), then refused if still not on it.
 */
export async function assertOnBranch(
  store: MirrorStore,
  repo: RepoConfig,
  branch: string,
  revision: string,
): Promise<void> {
  checkBranchName(branch);
  const wanted = checkRevision(revision);
  if (existsSync(store.mirrorPath(repo))) {
    const known = await locate(store, repo, branch, wanted).catch(() => null);
    if (known !== null) return;
  }
  await store.fetch(repo);
  await locate(store, repo, branch, wanted);
}

/** The branch's tip from the refs read at the last fetch (no git process); null when unknown. */
export function knownTip(store: MirrorStore, repo: RepoConfig, branch: string): string | null {
  const refs = store.cached(repo);
  if (!refs || refs.nonCommitHeads.has(branch)) return null;
  return refs.heads.get(branch) ?? null;
}

/**
 * The branch's tip when the remote's tip (asked now) is already the mirror's: then nothing needs
 * fetching. Null when the mirror lacks it, differs, or the remote could not be asked (the fetch
 * that follows then reports why).
 */
async function tipIfCurrent(store: MirrorStore, repo: RepoConfig, branch: string): Promise<string | null> {
  const mirror = store.mirrorPath(repo);
  if (!existsSync(mirror)) return null;
  const refs = store.cached(repo) ?? (await store.refreshRefs(repo).catch(() => undefined));
  const known = refs?.heads.get(branch);
  if (known === undefined || refs?.nonCommitHeads.has(branch)) return null;
  const remote = await remoteBranchTip(mirror, repo.url, branch, store.fetchTimeoutMs).catch(() => null);
  return remote === known ? known : null;
}

/** `knownTip`: the branch's tip, already established; else it is read from the mirror. */
async function locate(
  store: MirrorStore,
  repo: RepoConfig,
  branch: string,
  wanted: string | null,
  knownTip?: string,
): Promise<string> {
  const dir = store.mirrorPath(repo);
  const tip = knownTip ?? (await mirrorTip(store, repo, dir, branch));
  if (tip === null) {
    throw new SlashbuildError(
      "BRANCH_UNKNOWN",
      `Branch \`${branch}\` does not exist in ${repo.name} (any more); push it, or build another branch.`,
    );
  }
  if (wanted === null) return tip;
  const sha = await findCommit(dir, wanted);
  if (sha === null) {
    throw new SlashbuildError(
      "REVISION_UNKNOWN",
      `Revision ${wanted} is not a commit in ${repo.name}; push it, or check the id with \`git log --oneline ${branch}\`.`,
    );
  }
  if (sha !== tip && !(await isAncestor(dir, sha, tip))) {
    throw new SlashbuildError(
      "REVISION_NOT_ON_BRANCH",
      `Revision ${wanted} is not on branch ${branch} of ${repo.name}. Name the branch that has it (\`/build ${repo.name} BRANCH ${wanted}\`), or push it to ${branch} first.`,
    );
  }
  return sha;
}

/** The branch's tip in the mirror: from the refs read at the last fetch, else from git. */
async function mirrorTip(
  store: MirrorStore,
  repo: RepoConfig,
  dir: string,
  branch: string,
): Promise<string | null> {
  const refs = store.cached(repo);
  const cached = refs?.nonCommitHeads.has(branch) ? undefined : refs?.heads.get(branch);
  if (cached !== undefined) return cached;
  return (await revParse(dir, `refs/heads/${branch}^{commit}`)) ?? nonBranchTip(repo, dir, branch);
}
