import type { BuildbotConfig } from "../../config/buildbot-schema.js";
import type { RepoConfig } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import type { BuildbotClient } from "./buildbot-client.js";
import { CORRELATION_PROPERTY, changeProject, REQUESTER_PROPERTY } from "./buildbot-properties.js";

/**
 * The two ways to hand a build to Buildbot. Both carry the correlation property, so a build can be
 * matched to its slashbuild build whichever way it was triggered and whichever way status returns.
 */

/** What the trigger learnt: the force scheduler returns exact ids, the change hook none. */
export interface Triggered {
  readonly buildsetid: number | null;
  readonly buildrequestid: number | null;
}

/** The force scheduler's parameters: the default codebase's fields plus the declared properties. */
export function forceParams(build: Build): Record<string, string> {
  return {
    branch: build.branch,
    // Empty means the branch tip; otherwise the Git step checks out exactly this commit.
    revision: build.requestedRevision ?? "",
    reason: `/build #${build.id} by @${build.requester}`,
    [CORRELATION_PROPERTY]: String(build.id),
    [REQUESTER_PROPERTY]: build.requester,
  };
}

/** The `base` change hook's form fields, as the old integration sent them, plus the correlation. */
export function changeFields(build: Build, repo: RepoConfig, bb: BuildbotConfig): Record<string, string> {
  return {
    category: bb.category,
    project: changeProject(bb.projectTemplate, repo.name, build.branch),
    branch: build.branch,
    repository: repo.url,
    revision: build.requestedRevision ?? "",
    author: build.requester,
    comments: `/build ${repo.name} ${build.branch}${build.requestedRevision ? ` ${build.requestedRevision}` : ""}`,
    properties: JSON.stringify({
      [CORRELATION_PROPERTY]: String(build.id),
      [REQUESTER_PROPERTY]: build.requester,
    }),
  };
}

export async function triggerBuild(
  client: BuildbotClient,
  bb: BuildbotConfig,
  build: Build,
  repo: RepoConfig,
): Promise<Triggered> {
  if (bb.trigger === "change_hook") {
    await client.postChange(changeFields(build, repo, bb));
    return { buildsetid: null, buildrequestid: null };
  }
  const result = await client.force(bb.names(repo.name).forceScheduler, forceParams(build));
  // One builder per force scheduler in the generated master.cfg; take the first if a master has more.
  const brid = Object.values(result.buildRequestIds)[0];
  return { buildsetid: result.buildsetId, buildrequestid: typeof brid === "number" ? brid : null };
}
