import type { RepoConfig } from "../config/config.js";
import { branchMatches } from "../core/authorize.js";

/**
 * Where a build's posts go is chat's business (notify/ decides only whether a moment is announced):
 * the repo's `notify_branches` (first match wins), else its `notify_channel`. Every chat platform
 * routes with it, so the rule is the same whichever one posts.
 */

/** The configured channel for this branch; null = the platform's default place. */
export function routeChannel(repo: RepoConfig | undefined, branch: string): string | null {
  if (!repo) return null;
  for (const [pattern, channel] of Object.entries(repo.notifyBranches ?? {})) {
    if (branchMatches(pattern, branch)) return channel;
  }
  return repo.notifyChannel;
}
