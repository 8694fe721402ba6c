import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { RepoConfig } from "../config/config.js";
import { SlashbuildError } from "../core/errors.js";
import type { RefChecker } from "../core/ports.js";
import { checkBranchName, checkRevision } from "../core/validate-ref.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { type MirrorRefs, readMirrorRefs, remoteBranchTip } from "./mirror-refs.js";
import { findCommit, isAncestor, revParse } from "./read-commits.js";
import { ensureReadableObjects, markReadable, SHARED_MODE } from "./readable-objects.js";
import { GitError, runGit, SAFE_GIT_OPTIONS } from "./run-git.js";
import { CHECKOUT_ARGS, makeWorkingCopy } from "./working-copy.js";

export interface GitMirrorsOptions {
  /** Mirrors live in `<dataDir>/git/<repo>.git`. */
  readonly dataDir: string;
  /** The repo's host's pull request heads (ForgeHost.pullRequests.heads); null = no host. */
  readonly pullRequestHeads: (repo: RepoConfig) => string | null;
  readonly logger?: Logger;
  /** Budget for one fetch from the remote (network); default 10 minutes. */
  readonly fetchTimeoutMs?: number;
}

/** Local reads (rev-parse, for-each-ref, local clones) need far less than a network fetch. */
const LOCAL_TIMEOUT_MS = 120_000;

/** Only branches and tags: a revision must be on a branch anyway, and pull-request refs can be huge. */
const REFSPECS = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

/** A pull request build's branch (core/triggers/admit-forge-event.ts pullBranch). */
const PULL_BRANCH = /^pull\/(\d+)$/;

interface FetchState {
  running: Promise<void> | null;
  /** The fetch that will start once `running` ends; everyone who asks meanwhile shares it. */
  next: Promise<void> | null;
}

/**
 * A bare mirror of each configured repository, plus an in-memory copy of its refs so `/build` can be
 * acknowledged without touching the network when the branch is known. Before every build the
 * remote is asked for the branch's tip (`git ls-remote`); the mirror is fetched only when it does
 * not already have that tip, so what is built is always the tip at build time, never a stale
 * mirror. Fetches of one repo never overlap, and a burst of callers shares one fetch.
 */
export class GitMirrors implements RefChecker {
  readonly #root: string;
  readonly #logger: Logger | undefined;
  readonly #fetchTimeoutMs: number;
  readonly #pullRequestHeads: (repo: RepoConfig) => string | null;
  readonly #mutex = new KeyedMutex();
  readonly #refs = new Map<string, MirrorRefs>();
  readonly #fetches = new Map<string, FetchState>();
  /** The url this process last wrote into each mirror's config: rewritten only when it changes. */
  readonly #urls = new Map<string, string>();
  /** Mirrors whose objects are known to be readable by builds (#makeReadable). */
  readonly #readable = new Set<string>();

  constructor(options: GitMirrorsOptions) {
    this.#root = path.join(options.dataDir, "git");
    this.#logger = options.logger;
    this.#fetchTimeoutMs = options.fetchTimeoutMs ?? 10 * 60_000;
    this.#pullRequestHeads = options.pullRequestHeads;
  }

  mirrorPath(repo: RepoConfig): string {
    // Repo names are restricted by the config schema; basename() is a second guard against '../'.
    return path.join(this.#root, `${path.basename(repo.name)}.git`);
  }

  /** Answers from the cache when the branch is known; otherwise fetches once and looks again. */
  async branchExists(repo: RepoConfig, branch: string): Promise<boolean> {
    if (this.#cached(repo)?.heads.has(branch)) return true;
    if (!this.#refs.has(repo.name) && existsSync(this.mirrorPath(repo))) {
      // After a restart the mirror on disk is a good first answer for known branches.
      await this.#refreshRefs(repo).catch(() => {});
      if (this.#cached(repo)?.heads.has(branch)) return true;
    }
    await this.fetch(repo);
    return this.#cached(repo)?.heads.has(branch) ?? false;
  }

  /**
   * Brings the mirror up to date. The fetch that serves this call starts after the call was made
   * (so a branch pushed just before is seen), and at most one fetch per repo runs at a time.
   */
  fetch(repo: RepoConfig): Promise<void> {
    let state = this.#fetches.get(repo.name);
    if (!state) {
      state = { running: null, next: null };
      this.#fetches.set(repo.name, state);
    }
    const current = state;
    if (current.next) return current.next;
    if (!current.running) return this.#startFetch(repo, current);
    current.next = current.running
      .catch(() => {})
      .then(() => {
        current.next = null;
        return this.#startFetch(repo, current);
      });
    return current.next;
  }

  /**
   * The full commit id to build: the branch tip, or `revision` when it exists and is on the branch
   * (equal to or an ancestor of its tip). Without that check, someone allowed to build `dev` could
   * build unreviewed code under a protected branch's name (and deploy it).
   */
  async resolve(repo: RepoConfig, branch: string, revision: string | null): Promise<string> {
    checkBranchName(branch);
    const wanted = revision === null ? null : checkRevision(revision);
    const started = performance.now();
    const current = await this.#tipIfCurrent(repo, branch);
    if (current !== null) {
      // Any doubt (an unknown revision, one not on the branch) is settled after a fetch, as before.
      const sha = await this.#locate(repo, branch, wanted, current).catch(() => null);
      if (sha !== null) {
        this.#logger?.debug({ repo: repo.name, fetched: false, ms: since(started) }, "commit resolved");
        return sha;
      }
    }
    await this.fetch(repo);
    const sha = await this.#locate(repo, branch, wanted);
    this.#logger?.debug({ repo: repo.name, fetched: true, ms: since(started) }, "commit resolved");
    return sha;
  }

  /**
   * The branch's tip when the remote's tip (asked now) is already the mirror's: then nothing needs
   * fetching. Null when the mirror lacks it, differs, or the remote could not be asked (the fetch
   * that follows then reports why).
   */
  async #tipIfCurrent(repo: RepoConfig, branch: string): Promise<string | null> {
    const mirror = this.mirrorPath(repo);
    if (!existsSync(mirror)) return null;
    const refs = this.#cached(repo) ?? (await this.#refreshRefs(repo).catch(() => undefined));
    const known = refs?.heads.get(branch);
    if (known === undefined || refs?.nonCommitHeads.has(branch)) return null;
    const remote = await remoteBranchTip(mirror, repo.url, branch, this.#fetchTimeoutMs).catch(() => null);
    return remote === known ? known : null;
  }

  /**
   * The admission check (RefChecker): answered from the mirror when it already shows the revision on
   * the branch, so a build of a known commit is acknowledged without the network; otherwise fetched
   * first (the commit or the branch may be newer than the mirror), then refused if still not on it.
   */
  async assertOnBranch(repo: RepoConfig, branch: string, revision: string): Promise<void> {
    checkBranchName(branch);
    const wanted = checkRevision(revision);
    if (existsSync(this.mirrorPath(repo))) {
      const known = await this.#locate(repo, branch, wanted).catch(() => null);
      if (known !== null) return;
    }
    await this.fetch(repo);
    await this.#locate(repo, branch, wanted);
  }

  /** `knownTip`: the branch's tip, already established; else it is read from the mirror. */
  async #locate(repo: RepoConfig, branch: string, wanted: string | null, knownTip?: string): Promise<string> {
    const dir = this.mirrorPath(repo);
    const tip = knownTip ?? (await this.#mirrorTip(repo, dir, branch));
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

  /**
   * The program and arguments that write a working copy's files when it was made with
   * `checkOut: false`, run in the working copy (the embedded runner runs it in the build's
   * sandbox, as the build's user). Hooks and fsmonitor off, as for all of slashbuild's git.
   */
  readonly checkoutCommand: readonly string[] = ["git", ...SAFE_GIT_OPTIONS, ...CHECKOUT_ARGS];

  /** The branch's tip from the refs read at the last fetch (no git process); null when unknown. */
  knownTip(repo: RepoConfig, branch: string): string | null {
    const refs = this.#cached(repo);
    if (!refs || refs.nonCommitHeads.has(branch)) return null;
    return refs.heads.get(branch) ?? null;
  }

  /**
   * A fresh working copy of `sha` in `dir` (which must not exist), detached at that commit.
   * `checkOut: false` leaves the files to CHECKOUT_ARGS, run later by whoever builds. Its objects
   * are the mirror's, borrowed (working-copy.ts): `objectsAt` is where the build will see the
   * mirror's objects directory (`objectsDir`), by default its path on this machine; a sandbox
   * binds it elsewhere, read-only.
   */
  async createWorkingCopy(
    repo: RepoConfig,
    sha: string,
    dir: string,
    options: { readonly checkOut?: boolean; readonly objectsAt?: string } = {},
  ): Promise<void> {
    if (!/^[0-9a-f]{40,64}$/.test(sha)) throw new Error(`not a full commit id: ${sha}`);
    const started = performance.now();
    await mkdir(path.dirname(dir), { recursive: true });
    const mirror = this.mirrorPath(repo);
    // Under the repo's lock so a concurrent fetch cannot change the refs while they are read.
    const refs = await this.#mutex.run(repo.name, async () => {
      const known = this.#cached(repo) ?? (await this.#refreshRefs(repo));
      await this.#makeReadable(repo);
      return known;
    });
    await makeWorkingCopy(mirror, dir, sha, refs, {
      objectsAt: options.objectsAt ?? this.objectsDir(repo),
      checkOut: options.checkOut ?? true,
    });
    this.#logger?.debug({ repo: repo.name, ms: since(started) }, "working copy made");
  }

  /** The mirror's objects, which every working copy of the repo borrows (read-only in a sandbox). */
  objectsDir(repo: RepoConfig): string {
    return path.join(this.mirrorPath(repo), "objects");
  }

  /** Once per process and mirror: readable-objects.ts. */
  async #makeReadable(repo: RepoConfig): Promise<void> {
    if (this.#readable.has(repo.name)) return;
    await ensureReadableObjects(this.mirrorPath(repo));
    this.#readable.add(repo.name);
  }

  /** The branch's tip in the mirror: from the refs read at the last fetch, else from git. */
  async #mirrorTip(repo: RepoConfig, dir: string, branch: string): Promise<string | null> {
    const refs = this.#cached(repo);
    const cached = refs?.nonCommitHeads.has(branch) ? undefined : refs?.heads.get(branch);
    if (cached !== undefined) return cached;
    return (await revParse(dir, `refs/heads/${branch}^{commit}`)) ?? this.#nonBranchTip(repo, dir, branch);
  }

  /**
   * Builds started by a webhook may name a tag (push of a tag) or a pull request head instead of a
   * branch; typed /build never reaches here with those, because branchExists knows branches only.
   */
  async #nonBranchTip(repo: RepoConfig, dir: string, name: string): Promise<string | null> {
    const pull = PULL_BRANCH.exec(name);
    if (pull && repo.on?.pullRequest) return revParse(dir, `refs/pull/${pull[1]}/head^{commit}`);
    if ((repo.on?.tags.length ?? 0) > 0) return revParse(dir, `refs/tags/${name}^{commit}`);
    return null;
  }

  #cached(repo: RepoConfig): MirrorRefs | undefined {
    return this.#refs.get(repo.name);
  }

  #startFetch(repo: RepoConfig, state: FetchState): Promise<void> {
    const run = this.#mutex
      .run(repo.name, () => this.#fetchNow(repo))
      .finally(() => {
        if (state.running === run) state.running = null;
      });
    state.running = run;
    return run;
  }

  async #fetchNow(repo: RepoConfig): Promise<void> {
    const mirror = this.mirrorPath(repo);
    // Until the refs are read again after this fetch, nothing may answer from the old ones.
    this.#refs.delete(repo.name);
    try {
      if (existsSync(mirror)) {
        await this.#fetchInto(mirror, repo);
      } else {
        // Build the first copy aside and move it into place, so a failed first fetch leaves nothing behind.
        await mkdir(this.#root, { recursive: true });
        const scratch = `${mirror}.tmp-${process.pid}-${Date.now()}`;
        try {
          await runGit(["init", "--quiet", "--bare", `--shared=${SHARED_MODE}`, "--", scratch], {
            timeoutMs: LOCAL_TIMEOUT_MS,
          });
          await markReadable(scratch);
          for (const spec of REFSPECS) {
            await runGit(["config", "--add", "--end-of-options", "remote.origin.fetch", spec], {
              cwd: scratch,
            });
          }
          await this.#fetchInto(scratch, repo);
          await rename(scratch, mirror);
          this.#urls.set(repo.name, repo.url);
        } finally {
          await rm(scratch, { recursive: true, force: true });
        }
      }
    } catch (error) {
      // Name what to check: the repo, where it was fetched from (without credentials), and the key.
      const url = redactCredentials(repo.url);
      const configKey = `repos.${repo.name}.url`;
      this.#logger?.warn(
        { repo: repo.name, url, configKey, err: error },
        `could not fetch ${repo.name} from ${url}: check ${configKey} and that this machine can reach it`,
      );
      throw unreachable(repo, error);
    }
    await this.#refreshRefs(repo);
  }

  async #fetchInto(dir: string, repo: RepoConfig): Promise<void> {
    // A changed url in the config takes effect without deleting the mirror; an unchanged one is
    // not written again (the first fetch of each process writes it).
    const mirror = dir === this.mirrorPath(repo);
    if (!mirror || this.#urls.get(repo.name) !== repo.url) {
      await runGit(["config", "--end-of-options", "remote.origin.url", repo.url], { cwd: dir });
      if (mirror) this.#urls.set(repo.name, repo.url);
    }
    // Refspecs on the command line replace the configured ones, so pull heads (a fork's head is
    // reachable no other way) are only fetched when wanted, into refs/pull/<n>/head on every host.
    const heads = repo.on?.pullRequest ? this.#pullRequestHeads(repo) : null;
    const refspecs = heads ? [...REFSPECS, `+${heads}:refs/pull/*/head`] : [];
    // No gc, and no `git maintenance run --auto` process after each fetch (with gc.auto=0 it had
    // nothing to do anyway).
    await runGit(
      [
        "-c",
        "gc.auto=0",
        "-c",
        "maintenance.auto=false",
        // Objects a build can read (readable-objects.ts), also in mirrors made before this.
        "-c",
        `core.sharedRepository=${SHARED_MODE}`,
        "fetch",
        "--quiet",
        "--prune",
        "--prune-tags",
        "--force",
        "origin",
        ...refspecs,
      ],
      {
        cwd: dir,
        timeoutMs: this.#fetchTimeoutMs,
      },
    );
  }

  async #refreshRefs(repo: RepoConfig): Promise<MirrorRefs> {
    const refs = await readMirrorRefs(this.mirrorPath(repo));
    this.#refs.set(repo.name, refs);
    return refs;
  }
}

function since(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function unreachable(repo: RepoConfig, error: unknown): SlashbuildError {
  const said = error instanceof GitError ? firstLine(error.stderr) || error.message : String(error);
  return new SlashbuildError(
    "REPO_UNREACHABLE",
    `slashbuild could not fetch ${repo.name} (${redactCredentials(said)}). Check the repo's url in the config (repos.${repo.name}.url) and that this machine can reach it (network, ssh keys), then try again.`,
    { cause: error },
  );
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((line) => line.trim())
      .find((line) => line.length > 0) ?? ""
  );
}

/** git usually hides `user:password@` in URLs, but an error message is no place to bet on it. */
function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1");
}
