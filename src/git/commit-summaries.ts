import { existsSync } from "node:fs";
import type { RepoConfig } from "../config/config.js";
import type { Build } from "../core/build.js";
import { isFullCommitId } from "../core/commit-id.js";
import type { CommitSummary } from "../core/commit-summary.js";
import { runGit } from "./run-git.js";

export interface CommitSummariesOptions {
  /** The configured repos, by name (a build names its repo). */
  readonly repos: Readonly<Record<string, RepoConfig>>;
  /** Where the repo's mirror is (GitMirrors.mirrorPath). */
  readonly mirrorPath: (repo: RepoConfig) => string;
  readonly clock?: () => number;
  /** Commits remembered; default 2000 (a few hundred bytes each). */
  readonly maxEntries?: number;
}

/** A commit the mirror lacks may arrive with its next fetch: ask again after this long. */
const MISS_TTL_MS = 60_000;
const READ_TIMEOUT_MS = 5_000;
/** A title is one line; this much of it is plenty for a page. */
const MAX_TITLE = 300;

/**
 * Commit titles and authors for build pages, read from the mirrors slashbuild keeps anyway, so
 * nothing is stored per build and nothing goes over the network. A commit never changes, so an
 * answer is kept (up to maxEntries, least recently used first out): a page view costs a map
 * lookup, and one `git show` the first time a commit is shown. Viewers of the same new commit share
 * one git process.
 */
export class CommitSummaries {
  readonly #repos: Readonly<Record<string, RepoConfig>>;
  readonly #mirrorPath: (repo: RepoConfig) => string;
  readonly #clock: () => number;
  readonly #max: number;
  readonly #known = new Map<string, { summary: CommitSummary | null; at: number }>();
  readonly #reading = new Map<string, Promise<CommitSummary | null>>();

  constructor(options: CommitSummariesOptions) {
    this.#repos = options.repos;
    this.#mirrorPath = options.mirrorPath;
    this.#clock = options.clock ?? Date.now;
    this.#max = options.maxEntries ?? 2000;
  }

  /** The title and author of the commit a build built; null before it is resolved or when unknown. */
  ofBuild(build: Pick<Build, "repo" | "sha">): Promise<CommitSummary | null> {
    const repo = Object.hasOwn(this.#repos, build.repo) ? this.#repos[build.repo] : undefined;
    return repo && build.sha ? this.read(repo, build.sha) : Promise.resolve(null);
  }

  /** The commit's title and author, or null when the mirror does not have it (yet). Never throws. */
  async read(repo: RepoConfig, sha: string): Promise<CommitSummary | null> {
    if (!isFullCommitId(sha)) return null;
    const key = `${repo.name}\0${sha}`;
    const known = this.#known.get(key);
    if (known && (known.summary !== null || this.#clock() - known.at < MISS_TTL_MS)) {
      this.#known.delete(key);
      this.#known.set(key, known);
      return known.summary;
    }
    let reading = this.#reading.get(key);
    if (!reading) {
      reading = this.#readFromMirror(repo, sha).finally(() => this.#reading.delete(key));
      this.#reading.set(key, reading);
    }
    const summary = await reading;
    this.#remember(key, summary);
    return summary;
  }

  async #readFromMirror(repo: RepoConfig, sha: string): Promise<CommitSummary | null> {
    const dir = this.#mirrorPath(repo);
    if (!existsSync(dir)) return null;
    try {
      // %an and %s: the author's name and the message's first paragraph on one line.
      const { stdout } = await runGit(["show", "-s", "--format=%an%x00%s", "--end-of-options", sha], {
        cwd: dir,
        timeoutMs: READ_TIMEOUT_MS,
      });
      const [author = "", title = ""] = stdout.replace(/\n$/, "").split("\0");
      return { author, title: title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1)}…` : title };
    } catch {
      // Not in the mirror (yet), or git could not read it: the page shows the sha alone.
      return null;
    }
  }

  #remember(key: string, summary: CommitSummary | null): void {
    this.#known.delete(key);
    this.#known.set(key, { summary, at: this.#clock() });
    for (const old of this.#known.keys()) {
      if (this.#known.size <= this.#max) break;
      this.#known.delete(old);
    }
  }
}
