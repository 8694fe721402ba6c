import type { RepoConfig } from "../../config/config.js";
import type { ForgeKind, ForgeRepoRef } from "./trigger.js";

/**
 * A webhook names its repository by full name and clone URLs; a configured repo is chosen by those
 * alone (issue 10), never by anything else in the payload. Both sides are compared without a
 * trailing ".git" or "/" and case-insensitively, as hosts treat them.
 */

function normalise(value: string): string {
  return value
    .trim()
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .toLowerCase();
}

export function matchRepos(repos: readonly RepoConfig[], forge: ForgeKind, ref: ForgeRepoRef): RepoConfig[] {
  const name = normalise(ref.fullName);
  const urls = new Set(ref.cloneUrls.map(normalise));
  return repos.filter(
    (repo) =>
      repo.forge === forge &&
      ((repo.fullName != null && normalise(repo.fullName) === name) || urls.has(normalise(repo.url))),
  );
}
