import type { RepoConfig } from "../../config/config.js";

/** What the runner needs from the git layer (GitMirrors provides it; tests may fake it). */
export interface BuildMirrors {
  resolve(repo: RepoConfig, branch: string, revision: string | null): Promise<string>;
  /**
   * `checkOut: false`: the repository without its files; `checkoutCommand` writes them later.
   * `objectsAt`: where the build will see `objectsDir` (a sandbox binds it read-only elsewhere).
   */
  createWorkingCopy(
    repo: RepoConfig,
    sha: string,
    dir: string,
    options?: { readonly checkOut?: boolean; readonly objectsAt?: string },
  ): Promise<void>;
  /**
   * The repo's objects, which its working copies borrow instead of copying: a sandboxed build
   * gets them bound read-only. Absent: the working copy holds its objects itself.
   */
  objectsDir?(repo: RepoConfig): string;
  /**
   * The command that writes a working copy's files, run in it. When offered, a sandboxed build
   * checks out inside its first step's sandbox, as the build's user: an untrusted tree is then
   * never written by slashbuild's own (root) process, and no process starts outside for it.
   */
  readonly checkoutCommand?: readonly string[];
  /**
   * The branch's tip as the mirror has it now, without asking anyone (null when unknown). Only a
   * guess to start the working copy early: `resolve` decides what is built.
   */
  knownTip?(repo: RepoConfig, branch: string): string | null;
}
