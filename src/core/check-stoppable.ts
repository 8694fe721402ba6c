import type { Config, RepoConfig } from "../config/config.js";
import { mayStop } from "./authorize.js";
import { type Build, isFinal } from "./build.js";
import type { ChatUser } from "./chat-command.js";
import { SlashbuildError } from "./errors.js";

/**
 * Why `user` may not stop `build` (chat, web, API share it), thrown with what to do; otherwise the
 * repo the build belongs to, for its backend.
 */
export function checkStoppable(config: Config, build: Build, user: ChatUser): RepoConfig {
  if (isFinal(build.status)) {
    throw new SlashbuildError(
      "BUILD_FINISHED",
      `Build #${build.id} has already finished (${build.status}); nothing to stop.`,
    );
  }
  const repo = config.repos[build.repo];
  if (repo === undefined || !mayStop(config, repo, build, user)) {
    throw new SlashbuildError(
      "NOT_PERMITTED",
      `Only @${build.requester}, an admin, or someone allowed to build ${build.repo} ${build.branch} may stop #${build.id}.`,
    );
  }
  return repo;
}
