import type { RepoConfig } from "../../config/config.js";

/** How a working copy is made (checkout-plan.ts decides it, for every build). */
export interface WorkingCopyRequest {
  /** False: the repository without its files; `checkoutCommand`, run in it later, writes them. */
  readonly checkOut: boolean;
  /** Where the build will see `objectsDir` (a sandbox binds it read-only elsewhere). */
  readonly objectsAt: string;
}

/**
 * What the runner needs from the git layer (GitMirrors provides it; tests may fake it). Every
 * member is required: a sandboxed build's files are written only by `checkoutCommand` in its own
 * sandbox, so an untrusted tree is never written by slashbuild's (root) process; a port that could
 * leave it out would switch that off without a word.
 */
export interface BuildMirrors {
  resolve(repo: RepoConfig, branch: string, revision: string | null): Promise<string>;
  createWorkingCopy(repo: RepoConfig, sha: string, dir: string, request: WorkingCopyRequest): Promise<void>;
  /**
   * The repo's objects, which its working copies borrow instead of copying: a sandboxed build
   * gets them bound read-only.
   */
  objectsDir(repo: RepoConfig): string;
  /**
   * The command that writes a working copy's files, run in it. A sandboxed build checks out
   * inside its first step's sandbox, as the build's user, and no process starts outside for it.
   */
  readonly checkoutCommand: readonly string[];
  /**
   * The branch's tip as the mirror has it now, without asking anyone (null when unknown). Only a
   * guess to start the working copy early: `resolve` decides what is built.
   */
  knownTip(repo: RepoConfig, branch: string): string | null;
}
