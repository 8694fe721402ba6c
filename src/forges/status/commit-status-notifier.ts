import type { Config, ForgeConfig, RepoConfig } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import type { StatusNotifier } from "../../core/ports.js";
import type { NewOutboxMessage } from "../../store/sqlite-outbox.js";
import { formatCommitStatus, statusSha } from "./format-commit-status.js";

/**
 * The second status sink beside chat: every build of a repo on a forge with a token, however it
 * started (/build included), gets a pending status and then a final one on its commit. Statuses
 * are stored in the outbox (their own sink) and sent by their own deliverer, with the same
 * guarantees as chat posts: stored first, retried, in order per build.
 */

export const COMMIT_STATUS_KIND = "commit_status";

export interface StatusOutbox {
  enqueue(message: NewOutboxMessage): number;
}

export class CommitStatusNotifier implements StatusNotifier {
  readonly #outbox: StatusOutbox;
  readonly #config: Config;

  constructor(outbox: StatusOutbox, config: Config) {
    this.#outbox = outbox;
    this.#config = config;
  }

  /** A triggered build knows its commit when queued: pending goes out then. */
  buildQueued(build: Build): void {
    this.#enqueue(build);
  }

  /** A typed build knows its commit once the backend resolved it; stateless, so restarts agree. */
  buildStarted(build: Build): void {
    if (statusSha({ sha: null, requestedRevision: build.requestedRevision }) !== null) return;
    this.#enqueue(build);
  }

  buildFinished(build: Build): void {
    this.#enqueue(build);
  }

  #enqueue(build: Build): boolean {
    const target = this.#target(build);
    if (!target) return false;
    const payload = formatCommitStatus(build, target.repo, target.forge, this.#config.publicUrl);
    if (!payload) return false;
    this.#outbox.enqueue({ buildId: build.id, kind: COMMIT_STATUS_KIND, payload });
    return true;
  }

  #target(build: Build): { repo: RepoConfig; forge: ForgeConfig } | null {
    const repo = Object.hasOwn(this.#config.repos, build.repo) ? this.#config.repos[build.repo] : undefined;
    const forge = repo?.forge ? this.#config.forges?.[repo.forge] : undefined;
    return repo && forge?.token ? { repo, forge } : null;
  }
}
