import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { isFullCommitId } from "../core/commit-id.js";

/**
 * The tip of `branch` in a remote that is a repository on this machine (`url` an absolute path),
 * read from its ref files: what `git ls-remote` would answer, without starting git, a shell and
 * upload-pack (three process starts, most of a trivial build's wait on a machine where a process
 * start costs milliseconds). Nothing is run, so nothing the remote's config or hooks say can run.
 *
 * Only a sure answer counts: a sha when the ref is a plain loose ref or a line of `packed-refs`.
 * Anything else (a URL, a `.git` file or linked worktree, reftable or other ref storage, a
 * symbolic ref, a branch not found, an unreadable file) is undefined, and the caller asks git.
 */
export async function localRemoteTip(url: string, branch: string): Promise<string | undefined> {
  if (!path.isAbsolute(url)) return undefined;
  const gitDir = await repositoryDir(url);
  if (gitDir === undefined) return undefined;
  // Newer git can keep refs elsewhere (extensions.refStorage = reftable): then only git can say.
  const config = await readFile(path.join(gitDir, "config"), "utf8").catch(() => undefined);
  if (config === undefined || /refstorage/i.test(config)) return undefined;

  const heads = path.join(gitDir, "refs", "heads");
  const file = path.resolve(heads, branch);
  // checkBranchName has refused `..` and the like already; a second guard costs nothing.
  if (!file.startsWith(`${heads}${path.sep}`)) return undefined;
  const loose = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) =>
    error.code === "ENOENT" || error.code === "ENOTDIR" || error.code === "EISDIR" ? null : undefined,
  );
  if (loose === undefined) return undefined;
  if (loose !== null) return sha(loose.trim());
  const packed = await readFile(path.join(gitDir, "packed-refs"), "utf8").catch(() => undefined);
  const ref = `refs/heads/${branch}`;
  for (const line of packed?.split("\n") ?? []) {
    const space = line.indexOf(" ");
    if (space > 0 && line.slice(space + 1) === ref) return sha(line.slice(0, space));
  }
  return undefined;
}

function sha(text: string): string | undefined {
  return isFullCommitId(text) ? text : undefined;
}

/** The repository's git directory: `url` itself when bare, else `url/.git` when it is a directory. */
async function repositoryDir(url: string): Promise<string | undefined> {
  for (const candidate of [path.join(url, ".git"), url]) {
    const [head, objects, refs, commondir] = await Promise.all(
      ["HEAD", "objects", "refs", "commondir"].map((name) =>
        stat(path.join(candidate, name)).catch(() => undefined),
      ),
    );
    // A linked worktree (commondir) keeps its branches elsewhere: git knows where.
    if (commondir) return undefined;
    if (head?.isFile() && objects?.isDirectory() && refs?.isDirectory()) return candidate;
  }
  return undefined;
}
