import { constants, type Dirent } from "node:fs";
import { copyFile, mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { MirrorRefs } from "./mirror-refs.js";
import { runGit } from "./run-git.js";

/**
 * A build's working copy, made from a mirror with one git process instead of four (`git clone`
 * spawns a shell and upload-pack even for a local clone, then `git checkout`): on this kind of
 * machine every process start costs milliseconds, and a trivial build is mostly process starts
 * (docs/benchmarks.md). It has the shape `git clone --no-checkout` + `git checkout --detach` gave:
 * HEAD detached at the commit, the mirror's branches as `origin/*`, its tags, `origin` naming the
 * mirror (which the sandboxed build cannot see).
 */

const LOCAL_TIMEOUT_MS = 120_000;

/**
 * Copies the mirror's objects into `<dir>/.git/objects`. Copied, never hard-linked: the build owns
 * every file of its working copy, and a shared inode would let it rewrite the mirror's objects.
 * (A copy-on-write clone, where the file system offers one, is a separate inode: just as safe.)
 * The caller holds the repo's lock, so no fetch rewrites or repacks the objects meanwhile.
 */
export async function copyObjects(mirror: string, dir: string): Promise<void> {
  const from = path.join(mirror, "objects");
  const to = path.join(dir, ".git", "objects");
  // One listing and plain copies: fs.cp's generality (a stat, a chmod and more per entry) cost
  // several times the copying itself here.
  const entries = await readdir(from, { recursive: true, withFileTypes: true });
  await mkdir(to, { recursive: true });
  const relative = (entry: Dirent) => path.relative(from, path.join(entry.parentPath, entry.name));
  for (const entry of entries) {
    if (entry.isDirectory()) await mkdir(path.join(to, relative(entry)), { recursive: true });
  }
  await Promise.all(
    entries
      // A mirror never has alternates (slashbuild makes it); a working copy must never point outside itself.
      .filter((entry) => entry.isFile() && entry.name !== "alternates")
      .map((entry) =>
        copyFile(
          path.join(from, relative(entry)),
          path.join(to, relative(entry)),
          constants.COPYFILE_FICLONE,
        ),
      ),
  );
}

/**
 * Writes HEAD, config and refs around the copied objects, then checks `sha` out (one git process),
 * unless `checkOut` is false: then the repository is complete but its files are not written yet,
 * and CHECKOUT_ARGS, run in the working copy, writes them (inside the build's sandbox, as the
 * build's user: see sandbox-plan.ts).
 */
export async function checkOutCopy(
  mirror: string,
  dir: string,
  sha: string,
  refs: MirrorRefs,
  checkOut = true,
): Promise<void> {
  const gitDir = path.join(dir, ".git");
  await mkdir(path.join(gitDir, "refs", "heads"), { recursive: true });
  await mkdir(path.join(gitDir, "refs", "tags"), { recursive: true });
  await writeFile(path.join(gitDir, "HEAD"), `${sha}\n`);
  await writeFile(path.join(gitDir, "config"), workingCopyConfig(mirror, sha.length === 64));
  await writeFile(path.join(gitDir, "packed-refs"), packedRefs(refs));
  if (!checkOut) return;
  await runGit([...CHECKOUT_ARGS], { cwd: dir, timeoutMs: LOCAL_TIMEOUT_MS });
}

/**
 * Writes the files of the commit HEAD names, and the index: read-tree --reset -u on an empty
 * index. HEAD, not a sha on the command line: whoever runs it needs nothing from the caller.
 */
export const CHECKOUT_ARGS = ["read-tree", "--reset", "-u", "--end-of-options", "HEAD"] as const;

function workingCopyConfig(mirror: string, sha256: boolean): string {
  return [
    "[core]",
    `\trepositoryformatversion = ${sha256 ? 1 : 0}`,
    "\tfilemode = true",
    "\tbare = false",
    "\tlogallrefupdates = true",
    ...(sha256 ? ["[extensions]", "\tobjectformat = sha256"] : []),
    '[remote "origin"]',
    `\turl = ${quoteConfigValue(mirror)}`,
    "\tfetch = +refs/heads/*:refs/remotes/origin/*",
    "",
  ].join("\n");
}

/** A git config value in double quotes: `#`, `;` and spaces stay literal, `\` and `"` are escaped. */
function quoteConfigValue(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new Error("a path with a line break cannot be written to a git config");
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The mirror's branches as remote-tracking refs and its tags, sorted as git sorts refs. */
function packedRefs(refs: MirrorRefs): string {
  const lines: [string, string][] = [
    ...[...refs.heads].map(([name, sha]): [string, string] => [`refs/remotes/origin/${name}`, sha]),
    ...[...refs.tags].map(([name, sha]): [string, string] => [`refs/tags/${name}`, sha]),
  ];
  lines.sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `# pack-refs with: sorted \n${lines.map(([ref, sha]) => `${sha} ${ref}\n`).join("")}`;
}
