import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { RepoConfig } from "../config/config.js";
import { isFullCommitId } from "../core/commit-id.js";
import { elapsedMs } from "./elapsed-ms.js";
import type { MirrorStore } from "./mirror-store.js";
import { SAFE_GIT_OPTIONS } from "./run-git.js";
import { CHECKOUT_ARGS, makeWorkingCopy, type WorkingCopyOptions } from "./working-copy.js";

/**
 * The program and arguments that write a working copy's files when it was made with
 * `checkOut: false`, run in the working copy (the embedded runner runs it in the build's
 * sandbox, as the build's user). Hooks and fsmonitor off, as for all of slashbuild's git.
 */
export const CHECKOUT_COMMAND: readonly string[] = ["git", ...SAFE_GIT_OPTIONS, ...CHECKOUT_ARGS];

/**
 * A fresh working copy of `sha` in `dir` (which must not exist), detached at that commit.
 * `checkOut: false` leaves the files to CHECKOUT_ARGS, run later by whoever builds. Its objects
 * are the mirror's, borrowed (working-copy.ts): `objectsAt` is where the build will see the
 * mirror's objects directory (`objectsDir`): its path on this machine, or where a sandbox binds
 * it, read-only.
 */
export async function createWorkingCopy(
  store: MirrorStore,
  repo: RepoConfig,
  sha: string,
  dir: string,
  options: WorkingCopyOptions,
): Promise<void> {
  if (!isFullCommitId(sha)) throw new Error(`not a full commit id: ${sha}`);
  const started = performance.now();
  await mkdir(path.dirname(dir), { recursive: true });
  const mirror = store.mirrorPath(repo);
  // Under the repo's lock so a concurrent fetch cannot change the refs while they are read.
  const refs = await store.locked(repo, async () => {
    const known = store.cached(repo) ?? (await store.refreshRefs(repo));
    await store.makeReadable(repo);
    return known;
  });
  await makeWorkingCopy(mirror, dir, sha, refs, options);
  store.logger?.debug({ repo: repo.name, ms: elapsedMs(started) }, "working copy made");
}
