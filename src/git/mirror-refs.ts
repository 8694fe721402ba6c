import { isFullCommitId } from "../core/commit-id.js";
import { localRemoteTip } from "./local-remote-tip.js";
import { runGit } from "./run-git.js";

/**
 * What a mirror's refs say, read once per fetch with one `for-each-ref` and kept in memory: the
 * branch tips answer `/build` admission and resolve a build without another git process, and the
 * tags go into each working copy. Mirrors are written only by slashbuild, and every fetch reads
 * them again, so the cache is what is on disk.
 */
export interface MirrorRefs {
  /** Branch name → the object its ref names (a commit, unless `nonCommitHeads` says otherwise). */
  readonly heads: ReadonlyMap<string, string>;
  /** Branches whose ref names something other than a commit (rare): their tip is peeled by git. */
  readonly nonCommitHeads: ReadonlySet<string>;
  /** Tag name → the object its ref names (a tag object for an annotated tag). */
  readonly tags: ReadonlyMap<string, string>;
}

const LOCAL_TIMEOUT_MS = 120_000;

export async function readMirrorRefs(dir: string): Promise<MirrorRefs> {
  const { stdout } = await runGit(
    [
      "for-each-ref",
      "--format=%(objectname) %(objecttype) %(refname)",
      "--end-of-options",
      "refs/heads/",
      "refs/tags/",
    ],
    { cwd: dir, timeoutMs: LOCAL_TIMEOUT_MS },
  );
  const heads = new Map<string, string>();
  const nonCommitHeads = new Set<string>();
  const tags = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const match = /^(\S+) (\S+) (refs\/(heads|tags)\/.+)$/.exec(line);
    const [, sha = "", type, ref = "", kind] = match ?? [];
    if (!isFullCommitId(sha)) continue;
    if (kind === "heads") {
      const name = ref.slice("refs/heads/".length);
      heads.set(name, sha);
      if (type !== "commit") nonCommitHeads.add(name);
    } else {
      tags.set(ref.slice("refs/tags/".length), sha);
    }
  }
  return { heads, nonCommitHeads, tags };
}

/**
 * The remote's tip of `branch` right now, asked with `git ls-remote` (one round trip, no objects),
 * or null when the remote has no such branch. Only the exact ref counts: ls-remote's patterns also
 * match refs that merely end in `refs/heads/<branch>`. A remote on this machine (an absolute path)
 * is read directly when its refs are plain files (local-remote-tip.ts).
 */
export async function remoteBranchTip(
  mirror: string,
  url: string,
  branch: string,
  timeoutMs: number,
): Promise<string | null> {
  const local = await localRemoteTip(url, branch);
  if (local !== undefined) return local;
  const ref = `refs/heads/${branch}`;
  const { stdout } = await runGit(["ls-remote", "--heads", "--end-of-options", url, ref], {
    cwd: mirror,
    timeoutMs,
  });
  for (const line of stdout.split("\n")) {
    const [sha, name] = line.split("\t");
    if (name === ref && isFullCommitId(sha)) return sha;
  }
  return null;
}
