import type { Config, EnvironmentConfig, RepoConfig } from "../../config/config.js";
import { channelAllowed, isAdmin, mayBuild, type Permission } from "../authorize.js";
import type { ChatChannel, ChatUser } from "../chat-command.js";

/**
 * Who may do what with deploys, in one place. Every deploy rule asks this and nothing else about
 * people and channels: admins and channels are the config's `access:` (through authorize.ts, as for
 * builds), approvers the environment's. Users and channels match by id or name as in
 * authorize.ts; the one comparison that must never use names (the requester approving their own
 * deploy) is by id, in approval-rules.ts.
 */
export interface DeployAccess {
  isAdmin(user: ChatUser): boolean;
  /** Whether the repo's commands (deploy ones included) may be typed in this channel. */
  channelAllowed(repo: RepoConfig, channel: ChatChannel): boolean;
  /** Whether `user` may ask for a deploy (or lock the environment): whoever may build the branch. */
  mayDeploy(repo: RepoConfig, branch: string, user: ChatUser): Permission;
  /** Whether `user` may approve or reject deploys to this environment: its approvers, and admins. */
  mayApprove(environment: EnvironmentConfig, user: ChatUser): boolean;
}

export function deployAccess(config: Config): DeployAccess {
  return {
    isAdmin: (user) => isAdmin(config, user),
    channelAllowed: (repo, channel) => channelAllowed(config, repo, channel),
    mayDeploy: (repo, branch, user) => mayBuild(config, repo, branch, user),
    mayApprove: (environment, user) =>
      isAdmin(config, user) ||
      environment.approvers.some(
        (entry) => entry === "*" || entry === user.id || entry.replace(/^@/, "") === user.name,
      ),
  };
}
