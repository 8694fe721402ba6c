import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { RepoConfig } from "../config/config.js";
import { SlashbuildError } from "../core/errors.js";
import type { RefChecker } from "../core/ports.js";
import { checkBranchName, checkRevision } from "../core/validate-ref.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { findCommit, isAncestor, revParse } from "./read-commits.js";
import { GitError, runGit } from "./run-git.js";

export interface GitMirrorsOptions {
  /** Mirrors live in `<dataDir>/git/<repo>.git`. */
  readonly dataDir: string;
  readonly logger?: Logger;
  /** Budget for one fetch from the remote (network); default 10 minutes. */
  readonly fetchTimeoutMs?: number;
}

/** Local reads (rev-parse, for-each-ref, local clones) need far less than a network fetch. */
const LOCAL_TIMEOUT_MS = 120_000;

/** Only branches and tags: a revision must be on a branch anyway, and pull-request refs can be huge. */
const REFSPECS = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

interface FetchState {
  running: Promise<void> | null;
  /** The fetch that will start once `running` ends; everyone who asks meanwhile shares it. */
  next: Promise<void> | null;
}

/**
 * A bare mirror of each configured repository, fetched before every build, plus an in-memory set
 * of its branch names so `/build` can be acknowledged without touching the network when the branch
 * is known. Fetches of one repo never overlap, and a burst of callers shares one fetch.
 */
export class GitMirrors implements RefChecker {
  readonly #root: string;
  readonly #logger: Logger | undefined;
  readonly #fetchTimeoutMs: number;
  readonly #mutex = new KeyedMutex();
  readonly #branches = new Map<string, ReadonlySet<string>>();
  readonly #fetches = new Map<string, FetchState>();

  constructor(options: GitMirrorsOptions) {
    this.#root = path.join(options.dataDir, "git");
    this.#logger = options.logger;
    this.#fetchTimeoutMs = options.fetchTimeoutMs ?? 10 * 60_000;
  }

  mirrorPath(repo: RepoConfig): string {
    // Repo names are restricted by the config schema; basename() is a second guard against '../'.
    return path.join(this.#root, `${path.basename(repo.name)}.git`);
  }

  /** Answers from the cache when the branch is known; otherwise fetches once and looks again. */
  async branchExists(repo: RepoConfig, branch: string): Promise<boolean> {
    if (this.#cached(repo)?.has(branch)) return true;
    if (!this.#branches.has(repo.name) && existsSync(this.mirrorPath(repo))) {
      // After a restart the mirror on disk is a good first answer for known branches.
      await this.#refreshBranches(repo).catch(() => {});
      if (this.#cached(repo)?.has(branch)) return true;
    }
    await this.fetch(repo);
    return this.#cached(repo)?.has(branch) ?? false;
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
    await this.fetch(repo);
    const dir = this.mirrorPath(repo);
    const tip = await revParse(dir, `refs/heads/${branch}^{commit}`);
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
        "NOT_FOUND",
        `Revision ${wanted} is not a commit in ${repo.name}; push it, or check the id with \`git log --oneline ${branch}\`.`,
      );
    }
    if (sha !== tip && !(await isAncestor(dir, sha, tip))) {
      throw new SlashbuildError(
        "NOT_PERMITTED",
        `Revision ${wanted} is not on branch ${branch}; push it or name the branch that has it.`,
      );
    }
    return sha;
  }

  /** A fresh working copy of `sha` in `dir` (which must not exist), detached at that commit. */
  async createWorkingCopy(repo: RepoConfig, sha: string, dir: string): Promise<void> {
    if (!/^[0-9a-f]{40,64}$/.test(sha)) throw new Error(`not a full commit id: ${sha}`);
    await mkdir(path.dirname(dir), { recursive: true });
    // Under the repo's lock so a concurrent fetch cannot rewrite refs or repack mid-clone. A local
    // clone hard-links objects, so the copy stays valid whatever later happens to the mirror.
    await this.#mutex.run(repo.name, () =>
      runGit(["clone", "--quiet", "--no-checkout", "--", this.mirrorPath(repo), dir], {
        timeoutMs: LOCAL_TIMEOUT_MS,
      }),
    );
    await runGit(["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", sha, "--"], {
      cwd: dir,
      timeoutMs: LOCAL_TIMEOUT_MS,
    });
  }

  #cached(repo: RepoConfig): ReadonlySet<string> | undefined {
    return this.#branches.get(repo.name);
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
    try {
      if (existsSync(mirror)) {
        await this.#fetchInto(mirror, repo);
      } else {
        // Build the first copy aside and move it into place, so a failed first fetch leaves nothing behind.
        await mkdir(this.#root, { recursive: true });
        const scratch = `${mirror}.tmp-${process.pid}-${Date.now()}`;
        try {
          await runGit(["init", "--quiet", "--bare", "--", scratch], { timeoutMs: LOCAL_TIMEOUT_MS });
          for (const spec of REFSPECS) {
            await runGit(["config", "--add", "--end-of-options", "remote.origin.fetch", spec], {
              cwd: scratch,
            });
          }
          await this.#fetchInto(scratch, repo);
          await rename(scratch, mirror);
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
    await this.#refreshBranches(repo);
  }

  async #fetchInto(dir: string, repo: RepoConfig): Promise<void> {
    // Set the url every time: a changed config then takes effect without deleting the mirror.
    await runGit(["config", "--end-of-options", "remote.origin.url", repo.url], { cwd: dir });
    await runGit(["-c", "gc.auto=0", "fetch", "--quiet", "--prune", "--prune-tags", "--force", "origin"], {
      cwd: dir,
      timeoutMs: this.#fetchTimeoutMs,
    });
  }

  async #refreshBranches(repo: RepoConfig): Promise<void> {
    const { stdout } = await runGit(
      ["for-each-ref", "--format=%(refname)", "--end-of-options", "refs/heads/"],
      {
        cwd: this.mirrorPath(repo),
        timeoutMs: LOCAL_TIMEOUT_MS,
      },
    );
    const names = stdout
      .split("\n")
      .filter((line) => line.startsWith("refs/heads/"))
      .map((line) => line.slice("refs/heads/".length));
    this.#branches.set(repo.name, new Set(names));
  }
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
