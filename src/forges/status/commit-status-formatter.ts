import type { Config, ForgeConfig, RepoConfig } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import type { OutboxDraft, StatusFormatter } from "../../notify/ports.js";
import { formatCommitStatus, statusSha } from "./format-commit-status.js";

/**
 * The Git host's StatusFormatter (notify/ports.ts): the second status sink beside chat. Every
 * build of a repo on a forge with a token, however it started (/build included), gets a pending
 * status and then a final one on its commit. notify/ stores them in the outbox (their own sink)
 * and its deliverer sends them, with the same guarantees as chat posts.
 */

const COMMIT_STATUS_KIND = "commit_status";

export function commitStatusFormatter(config: Config): StatusFormatter {
  const target = (build: Build): { repo: RepoConfig; forge: ForgeConfig } | null => {
    const repo = Object.hasOwn(config.repos, build.repo) ? config.repos[build.repo] : undefined;
    const forge = repo?.forge ? config.forges?.[repo.forge] : undefined;
    return repo && forge?.token ? { repo, forge } : null;
  };
  const status = (build: Build): OutboxDraft[] => {
    const to = target(build);
    const payload = to ? formatCommitStatus(build, to.repo, to.forge, config.publicUrl) : null;
    return payload ? [{ kind: COMMIT_STATUS_KIND, payload }] : [];
  };
  return {
    // A triggered build knows its commit when queued: pending goes out then.
    queued: status,
    // A typed build knows its commit only once the backend resolved it. Decided from the build
    // alone (not from memory of what was sent), so a restart in between agrees.
    started: (build) =>
      statusSha({ sha: null, requestedRevision: build.requestedRevision }) === null ? status(build) : [],
    progressed: () => [],
    finished: (build) => status(build),
  };
}
