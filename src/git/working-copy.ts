import { mkdirSync, writeFileSync } from "node:fs";
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

export interface WorkingCopyOptions {
  /**
   * Where the build sees the mirror's objects: the mirror's own objects directory for a plain
   * process, or the path a sandbox binds it to, read-only (sandbox-plan.ts).
   */
  readonly objectsAt: string;
  /** False: the repository without its files; CHECKOUT_ARGS, run in it later, writes them. */
  readonly checkOut: boolean;
}

/**
 * Writes a working copy's `.git` (HEAD, config, refs), then checks `sha` out (one git process)
 * unless `checkOut` is false: then the repository is complete but its files are not written yet,
 * and CHECKOUT_ARGS, run in the working copy, writes them (inside the build's sandbox, as the
 * build's user: see sandbox-plan.ts).
 *
 * Its objects are the mirror's, borrowed through git's alternates rather than copied: a working
 * copy then costs the same whatever the repository's size and history, where a copy read and
 * wrote every pack and loose object of the mirror for every build. Nothing is written there: the
 * build's own objects go to its own `.git/objects`, a sandboxed build sees the mirror's objects
 * read-only, and the mirror only ever gains objects (slashbuild's fetch never runs gc), so a
 * fetch during a build removes nothing the build reads.
 */
export async function makeWorkingCopy(
  mirror: string,
  dir: string,
  sha: string,
  refs: MirrorRefs,
  options: WorkingCopyOptions,
): Promise<void> {
  if (!path.isAbsolute(options.objectsAt) || /[\n\r]/.test(options.objectsAt)) {
    throw new Error(`not a usable objects path: ${JSON.stringify(options.objectsAt)}`);
  }
  // Synchronous: four small files and a few directories, whatever the repository's size (well
  // under a millisecond, where a thread-pool round trip each cost several on a busy machine).
  const gitDir = path.join(dir, ".git");
  for (const parts of [
    ["refs", "heads"],
    ["refs", "tags"],
    ["objects", "info"],
    ["objects", "pack"],
  ]) {
    mkdirSync(path.join(gitDir, ...parts), { recursive: true });
  }
  writeFileSync(path.join(gitDir, "objects", "info", "alternates"), `${options.objectsAt}\n`);
  writeFileSync(path.join(gitDir, "HEAD"), `${sha}\n`);
  writeFileSync(path.join(gitDir, "config"), workingCopyConfig(mirror, sha.length === 64));
  writeFileSync(path.join(gitDir, "packed-refs"), packedRefs(refs));
  if (!options.checkOut) return;
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
