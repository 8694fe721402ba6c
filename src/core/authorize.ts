import type { Config, RepoConfig } from "../config/config.js";
import type { Build } from "./build.js";
import type { ChatChannel, ChatUser } from "./chat-command.js";

/**
 * Who may do what, from where. Pure functions over the config; names and ids are both accepted
 * for users and channels, so configs survive renames if written with ids.
 */

function matches(list: readonly string[], who: { readonly id: string; readonly name: string }): boolean {
  return list.some((entry) => entry === "*" || entry === who.id || entry.replace(/^[@~]/, "") === who.name);
}

export function isAdmin(config: Config, user: ChatUser): boolean {
  return matches(config.access.admins, user);
}

/** Channels allowed for a repo (its own list, else the global one); null = every channel. */
export function allowedChannels(config: Config, repo: RepoConfig | null): readonly string[] | null {
  return repo?.channels ?? config.access.channels;
}

export function channelAllowed(config: Config, repo: RepoConfig | null, channel: ChatChannel): boolean {
  const allowed = allowedChannels(config, repo);
  return allowed === null || matches(allowed, channel);
}

/** Glob over branch names: `*` stays within one path segment, `**` crosses them. */
export function branchMatches(pattern: string, branch: string): boolean {
  const regex = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${regex}$`).test(branch);
}

export type Permission = { readonly ok: true } | { readonly ok: false; readonly why: string };

export function mayBuild(config: Config, repo: RepoConfig, branch: string, user: ChatUser): Permission {
  if (isAdmin(config, user)) return { ok: true };
  if (repo.users !== null && !matches(repo.users, user)) {
    return {
      ok: false,
      why: `you are not among the users who may build ${repo.name}; ask an admin to add you.`,
    };
  }
  for (const [pattern, users] of Object.entries(repo.protectedBranches)) {
    if (branchMatches(pattern, branch) && !matches(users, user)) {
      return {
        ok: false,
        why: `branch ${branch} of ${repo.name} is protected; only ${users.map((u) => `@${u}`).join(", ")} may build it.`,
      };
    }
  }
  return { ok: true };
}

/** Repos this user may build from this channel, for `/build list` and unknown-repo answers. */
export function buildableRepos(config: Config, user: ChatUser, channel: ChatChannel): RepoConfig[] {
  return Object.values(config.repos).filter(
    (repo) =>
      channelAllowed(config, repo, channel) &&
      (isAdmin(config, user) || repo.users === null || matches(repo.users, user)),
  );
}

/** Who may stop a build (chat, web, API): an admin, its requester (by id), or whoever may build its branch. */
export function mayStop(
  config: Config,
  repo: RepoConfig,
  build: Pick<Build, "requesterId" | "branch">,
  user: ChatUser,
): boolean {
  return (
    isAdmin(config, user) || build.requesterId === user.id || mayBuild(config, repo, build.branch, user).ok
  );
}
