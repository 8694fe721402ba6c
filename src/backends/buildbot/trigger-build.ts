import type { BuildbotConfig } from "../../config/buildbot-schema.js";
import type { RepoConfig } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import { checkPullHeadRef } from "../../core/triggers/pull-ref.js";
import { withholdsSecrets } from "../../core/triggers/trigger.js";
import type { BuildbotClient } from "./buildbot-client.js";
import {
  CORRELATION_PROPERTY,
  changeProject,
  PREVIOUS_REVISION_PROPERTY,
  REQUESTER_PROPERTY,
  SECRETS_PROPERTY,
} from "./buildbot-properties.js";
import { deployNames } from "./generate-deploy-builders.js";

/** The secrets property's value (buildbot-properties.ts): a fork's pull request gets none. */
function secretsAllowed(build: Pick<Build, "trigger">): string {
  return withholdsSecrets(build.trigger) ? "" : "yes";
}

/**
 * The two ways to hand a build to Buildbot. Both carry the correlation property, so a build can be
 * matched to its slashbuild build whichever way it was triggered and whichever way status returns.
 */

/** What the trigger learnt: the force scheduler returns exact ids, the change hook none. */
export interface Triggered {
  readonly buildsetid: number | null;
  readonly buildrequestid: number | null;
}

/**
 * The branch Buildbot's Git step fetches. A pull request head is on no branch of the repo (a
 * fork's never is): the step is given the host's ref for it (the trigger's headRef:
 * refs/pull/<n>/head, or GitLab's refs/merge-requests/<n>/head), which Buildbot 3.7's Git step
 * clones with --no-checkout and then fetches by name, before checking out the exact revision.
 * The host made it from the number alone, and it is shape-checked again here, so no webhook text
 * reaches the worker's git command line.
 */
export function buildbotBranch(build: Pick<Build, "branch" | "trigger">): string {
  const trigger = build.trigger;
  return trigger?.kind === "pull_request" ? checkPullHeadRef(trigger.headRef) : build.branch;
}

/** The force scheduler's parameters: the default codebase's fields plus the declared properties. */
export function forceParams(build: Build): Record<string, string> {
  return {
    branch: buildbotBranch(build),
    // Empty means the branch tip; otherwise the Git step checks out exactly this commit.
    revision: build.requestedRevision ?? "",
    reason: `/build #${build.id} by @${build.requester}`,
    [CORRELATION_PROPERTY]: String(build.id),
    [REQUESTER_PROPERTY]: build.requester,
    [SECRETS_PROPERTY]: secretsAllowed(build),
  };
}

/** The `base` change hook's form fields, as the old integration sent them, plus the correlation. */
export function changeFields(build: Build, repo: RepoConfig, bb: BuildbotConfig): Record<string, string> {
  const branch = buildbotBranch(build);
  return {
    category: bb.category,
    // The same branch as the change's, so the scheduler's project filter matches.
    project: changeProject(bb.projectTemplate, repo.name, branch),
    branch,
    repository: repo.url,
    revision: build.requestedRevision ?? "",
    author: build.requester,
    comments: `/build ${repo.name} ${build.branch}${build.requestedRevision ? ` ${build.requestedRevision}` : ""}`,
    properties: JSON.stringify({
      [CORRELATION_PROPERTY]: String(build.id),
      [REQUESTER_PROPERTY]: build.requester,
      [SECRETS_PROPERTY]: secretsAllowed(build),
    }),
  };
}

export async function triggerBuild(
  client: BuildbotClient,
  bb: BuildbotConfig,
  build: Build,
  repo: RepoConfig,
): Promise<Triggered> {
  if (build.kind === "deploy") return forceDeploy(client, bb, build, repo);
  if (bb.trigger === "change_hook") {
    await client.postChange(changeFields(build, repo, bb));
    return { buildsetid: null, buildrequestid: null };
  }
  return force(client, bb.names(repo.name).forceScheduler, forceParams(build));
}

/**
 * A deploy goes to its environment's deploy builder (generate-deploy-builders.ts), always forced.
 * `repo` is what the deploy runs (core/deploys/deploy-repo-config.ts): its env carries the
 * previously deployed revision, which the master learns as a property.
 */
function forceDeploy(
  client: BuildbotClient,
  bb: BuildbotConfig,
  build: Build,
  repo: RepoConfig,
): Promise<Triggered> {
  if (!build.environment) throw new Error(`deploy build #${build.id} has no environment`);
  return force(client, deployNames(bb, repo.name, build.environment).forceScheduler, {
    ...forceParams(build),
    reason: `deploy #${build.id} to ${build.environment} by @${build.requester}`,
    [PREVIOUS_REVISION_PROPERTY]: repo.env.SLASHBUILD_PREVIOUS_REVISION ?? "",
  });
}

async function force(
  client: BuildbotClient,
  scheduler: string,
  params: Record<string, string>,
): Promise<Triggered> {
  const result = await client.force(scheduler, params);
  // One builder per force scheduler in the generated master.cfg; take the first if a master has more.
  const brid = Object.values(result.buildRequestIds)[0];
  return { buildsetid: result.buildsetId, buildrequestid: typeof brid === "number" ? brid : null };
}
