import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { RepoConfig } from "../config/config.js";
import { SlashbuildError } from "../core/errors.js";
import { pullHeadsRefspec } from "./host-refs.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { type MirrorRefs, readMirrorRefs } from "./mirror-refs.js";
import { ensureReadableObjects, markReadable, SHARED_MODE } from "./readable-objects.js";
import { GitError, runGit } from "./run-git.js";

export interface MirrorStoreOptions {
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

interface FetchState {
  running: Promise<void> | null;
  /** The fetch that will start once `running` ends; everyone who asks meanwhile shares it. */
  next: Promise<void> | null;
}

/**
 * A bare mirror of each configured repository, plus an in-memory copy of its refs, read once per
 * fetch. Fetches of one repo never overlap, and a burst of callers shares one fetch.
 */
export class MirrorStore {
  readonly #root: string;
  readonly logger: Logger | undefined;
  readonly fetchTimeoutMs: number;
  readonly #pullRequestHeads: (repo: RepoConfig) => string | null;
  readonly #mutex = new KeyedMutex();
  readonly #refs = new Map<string, MirrorRefs>();
  readonly #fetches = new Map<string, FetchState>();
  /** The url this process last wrote into each mirror's config: rewritten only when it changes. */
  readonly #urls = new Map<string, string>();
  /** Mirrors whose objects are known to be readable by builds (makeReadable). */
  readonly #readable = new Set<string>();

  constructor(options: MirrorStoreOptions) {
    this.#root = path.join(options.dataDir, "git");
    this.logger = options.logger;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 10 * 60_000;
    this.#pullRequestHeads = options.pullRequestHeads;
  }

  mirrorPath(repo: RepoConfig): string {
    // Repo names are restricted by the config schema; basename() is a second guard against '../'.
    return path.join(this.#root, `${path.basename(repo.name)}.git`);
  }

  /** The mirror's objects, which every working copy of the repo borrows (read-only in a sandbox). */
  objectsDir(repo: RepoConfig): string {
    return path.join(this.mirrorPath(repo), "objects");
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

  /** The refs read at the last fetch (no git process); undefined until they are read. */
  cached(repo: RepoConfig): MirrorRefs | undefined {
    return this.#refs.get(repo.name);
  }

  /** The refs as they are on disk now, read with one git process and kept. */
  async refreshRefs(repo: RepoConfig): Promise<MirrorRefs> {
    const refs = await readMirrorRefs(this.mirrorPath(repo));
    this.#refs.set(repo.name, refs);
    return refs;
  }

  /** Runs `task` under the repo's lock, so no fetch changes the refs meanwhile. */
  locked<T>(repo: RepoConfig, task: () => Promise<T>): Promise<T> {
    return this.#mutex.run(repo.name, task);
  }

  /** Once per process and mirror: readable-objects.ts. */
  async makeReadable(repo: RepoConfig): Promise<void> {
    if (this.#readable.has(repo.name)) return;
    await ensureReadableObjects(this.mirrorPath(repo));
    this.#readable.add(repo.name);
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
      this.logger?.warn(
        { repo: repo.name, url, configKey, err: error },
        `could not fetch ${repo.name} from ${url}: check ${configKey} and that this machine can reach it`,
      );
      throw unreachable(repo, error);
    }
    await this.refreshRefs(repo);
  }

  async #fetchInto(dir: string, repo: RepoConfig): Promise<void> {
    // A changed url in the config takes effect without deleting the mirror; an unchanged one is
    // not written again (the first fetch of each process writes it).
    const mirror = dir === this.mirrorPath(repo);
    if (!mirror || this.#urls.get(repo.name) !== repo.url) {
      await runGit(["config", "--end-of-options", "remote.origin.url", repo.url], { cwd: dir });
      if (mirror) this.#urls.set(repo.name, repo.url);
    }
    // Refspecs on the command line replace the configured ones, so pull heads are only fetched
    // when wanted (host-refs.ts).
    const pulls = pullHeadsRefspec(repo, this.#pullRequestHeads);
    const refspecs = pulls ? [...REFSPECS, pulls] : [];
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
        timeoutMs: this.fetchTimeoutMs,
      },
    );
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
