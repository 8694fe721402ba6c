import type { RepoConfig } from "../config/config.js";
import type { RefChecker } from "../core/ports.js";
import { assertOnBranch, branchExists, knownTip, resolveRevision } from "./admit-revision.js";
import { CHECKOUT_COMMAND, createWorkingCopy } from "./create-working-copy.js";
import { MirrorStore, type MirrorStoreOptions } from "./mirror-store.js";
import type { WorkingCopyOptions } from "./working-copy.js";

export type GitMirrorsOptions = MirrorStoreOptions;

/**
 * The git layer as the rest of slashbuild sees it: a bare mirror of each configured repository
 * and its refs (mirror-store.ts), which commit a build may build (admit-revision.ts), the refs a
 * host adds (host-refs.ts), and working copies that borrow the mirror's objects
 * (create-working-copy.ts).
 */
export class GitMirrors implements RefChecker {
  readonly #store: MirrorStore;

  constructor(options: GitMirrorsOptions) {
    this.#store = new MirrorStore(options);
  }

  mirrorPath(repo: RepoConfig): string {
    return this.#store.mirrorPath(repo);
  }

  /** Answers from the cache when the branch is known; otherwise fetches once and looks again. */
  branchExists(repo: RepoConfig, branch: string): Promise<boolean> {
    return branchExists(this.#store, repo, branch);
  }

  /** Brings the mirror up to date (mirror-store.ts). */
  fetch(repo: RepoConfig): Promise<void> {
    return this.#store.fetch(repo);
  }

  /** The full commit id to build (admit-revision.ts). */
  resolve(repo: RepoConfig, branch: string, revision: string | null): Promise<string> {
    return resolveRevision(this.#store, repo, branch, revision);
  }

  /** The admission check (RefChecker): refused unless `revision` is on `branch`. */
  assertOnBranch(repo: RepoConfig, branch: string, revision: string): Promise<void> {
    return assertOnBranch(this.#store, repo, branch, revision);
  }

  /** The command that writes a working copy's files, run in it (create-working-copy.ts). */
  readonly checkoutCommand: readonly string[] = CHECKOUT_COMMAND;

  /** The branch's tip from the refs read at the last fetch (no git process); null when unknown. */
  knownTip(repo: RepoConfig, branch: string): string | null {
    return knownTip(this.#store, repo, branch);
  }

  /** A fresh working copy of `sha` in `dir` (create-working-copy.ts). */
  createWorkingCopy(repo: RepoConfig, sha: string, dir: string, options: WorkingCopyOptions): Promise<void> {
    return createWorkingCopy(this.#store, repo, sha, dir, options);
  }

  /** The mirror's objects, which every working copy of the repo borrows (read-only in a sandbox). */
  objectsDir(repo: RepoConfig): string {
    return this.#store.objectsDir(repo);
  }
}
