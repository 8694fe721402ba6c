import type { Config, ForgeConfig, RepoConfig } from "../config/config.js";
import { SlashbuildError } from "../core/errors.js";
import { type ForgeHost, type ForgeHosts, forgeHostNamed } from "./forge-host.js";

/**
 * The config's `forges:` entries, each with the host that serves it. config/ reads any lower-case
 * name there; here each must name a host in the list, and the host's defaults apply. createApp
 * refuses to start (and check-config to pass) otherwise, before anything is opened.
 */

export interface ConfiguredForge {
  readonly host: ForgeHost;
  readonly config: ForgeConfig;
  /** forges.<name>.api_url, else the host's default. */
  readonly apiUrl: string;
}

export type ConfiguredForges = ReadonlyMap<string, ConfiguredForge>;

export function configuredForges(config: Pick<Config, "forges">, hosts: ForgeHosts): ConfiguredForges {
  const problems: string[] = [];
  const configured = new Map<string, ConfiguredForge>();
  for (const [name, forge] of Object.entries(config.forges ?? {})) {
    const host = forgeHostNamed(hosts, name);
    if (!host) {
      problems.push(`forges.${name}: slashbuild serves no Git host named ${name}: use ${hostChoices(hosts)}`);
      continue;
    }
    const apiUrl = forge.apiUrl ?? host.api.defaultUrl;
    if (apiUrl === null) {
      problems.push(
        `forges.${name}.api_url: is required for ${host.displayNames[0]}: the API base, e.g. ${host.api.example}`,
      );
      continue;
    }
    configured.set(name, { host, config: forge, apiUrl });
  }
  if (problems.length > 0) {
    throw new SlashbuildError(
      "CONFIG_INVALID",
      `config is invalid:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
    );
  }
  return configured;
}

/** "github (GitHub), gitea (Gitea, Forgejo) or gitlab (GitLab)". */
function hostChoices(hosts: ForgeHosts): string {
  const choices = Object.values(hosts).map((host) => `${host.name} (${host.displayNames.join(", ")})`);
  return choices.length > 1 ? `${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}` : (choices[0] ?? "");
}

/** The ref pattern of the repo's host's pull request heads, for the mirror's fetch; null = no host. */
export function pullRequestHeadsOf(forges: ConfiguredForges): (repo: RepoConfig) => string | null {
  return (repo) => (repo.forge ? (forges.get(repo.forge)?.host.pullRequests.heads ?? null) : null);
}

/**
 * The Git host's page comparing two commits of a repo (a deploy's approval request links it); null
 * for a repo on no configured host or without an owner/name there.
 */
export function compareUrlOf(
  forges: ConfiguredForges,
): (repo: RepoConfig, from: string, to: string) => string | null {
  return (repo, from, to) => {
    const forge = repo.forge ? forges.get(repo.forge) : undefined;
    return forge && repo.fullName ? forge.host.web.compareUrl(forge.apiUrl, repo.fullName, from, to) : null;
  };
}

/** Every name of every host in the list: chat keeps them capitalised after "Sorry, ". */
export function hostNames(hosts: ForgeHosts): string[] {
  return Object.values(hosts).flatMap((host) => host.displayNames);
}

/**
 * The link to a commit on its repo's Git host, for build pages: the repo's forge (its `forge`, or
 * the only one configured) and its owner/name (`full_name`, or taken from its url) must be known;
 * otherwise null and the page shows the sha alone. Checked to be http(s) by the page as any link is.
 */
export function commitLinksOf(
  config: Pick<Config, "repos">,
  forges: ConfiguredForges,
): (repoName: string, sha: string) => string | null {
  return (repoName, sha) => {
    const repo = Object.hasOwn(config.repos, repoName) ? config.repos[repoName] : undefined;
    const forge = repo?.forge ? forges.get(repo.forge) : undefined;
    if (!repo?.fullName || !forge) return null;
    return forge.host.web.commitUrl(forge.apiUrl, repo.fullName, sha);
  };
}
