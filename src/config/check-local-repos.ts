import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SlashbuildError } from "../core/errors.js";
import type { Config } from "./config.js";

/** The path a repo url names on this machine, or null when it is remote (https:, ssh:, git@host:). */
function localPath(url: string): string | null {
  if (url.startsWith("/")) return url;
  if (url.startsWith("file://")) return fileURLToPath(url);
  return null;
}

/**
 * The embedded runner's repos whose url is a path on this machine must exist there: a typo would
 * otherwise pass `check-config` and fail every `/build` with REPO_UNREACHABLE. Buildbot's are
 * cloned by its workers, on their own machines, so they are not checked here. Run by
 * `check-config` and `serve`; not by the config loader, which tests and tools use without them.
 */
export function checkLocalRepos(config: Config): void {
  const problems = Object.values(config.repos).flatMap((repo) => {
    const local = repo.backend === "local" ? localPath(repo.url) : null;
    return local && !existsSync(local)
      ? [`  - repos.${repo.name}.url: ${local} does not exist on this machine`]
      : [];
  });
  if (problems.length === 0) return;
  const base = config.configFile ? `, ${path.dirname(config.configFile)}` : "";
  throw new SlashbuildError(
    "CONFIG_INVALID",
    `config is invalid:\n${problems.join("\n")}\nA relative url (./, ../) resolves against the config file's folder${base}; fix the path or clone the repository there.`,
  );
}
