import type { EnvironmentConfig, RepoConfig } from "../../config/config.js";
import { branchMatches } from "../authorize.js";
import { type Build, isDeployBuild, shortSha } from "../build.js";
import { SlashbuildError } from "../errors.js";
import { code } from "../format-reply.js";
import { checkRevision } from "../validate-ref.js";
import type { GreenBuilds } from "./ports.js";

/**
 * Which commit a deploy request means, and the build that vouches for it (issue 20): a revision goes
 * to an environment only from that environment's branches, and only if a build of exactly that
 * commit succeeded. Answered from the store's green-build indexes alone (no git on the
 * acknowledgement path): a successful build of a branch is the proof its commit was on it. An
 * admin's --force may override both rules, and each override is named so it can be recorded and
 * said in the channel. A pull request's build never vouches, forced or not: its commit may come from
 * a fork, and a deploy would hand it the environment's secrets.
 */

export type DeployTarget = { readonly build: number } | { readonly revision: string } | null;

export interface ResolvedTarget {
  readonly revision: string;
  readonly branch: string;
  readonly source: Build | null;
  /** What --force overrode; empty when nothing needed overriding. */
  readonly overrides: readonly string[];
}

/** How many successful builds of one commit are looked at (a commit is rarely built green more often). */
const SAME_COMMIT_PAGE = 20;

export interface TargetContext {
  readonly repo: RepoConfig;
  readonly environment: EnvironmentConfig;
  readonly force: boolean;
  readonly green: GreenBuilds;
  readonly findBuild: (id: number) => Build | undefined;
}

export function resolveDeployTarget(target: DeployTarget, context: TargetContext): ResolvedTarget {
  if (target === null) return newestGreen(context);
  if ("build" in target) return ofBuild(target.build, context);
  return ofRevision(checkRevision(target.revision), context);
}

function newestGreen({ repo, environment, green }: TargetContext): ResolvedTarget {
  const branch = environment.defaultBranch;
  const build = green.newest(repo.name, branch);
  if (!build?.sha) {
    throw new SlashbuildError(
      "DEPLOY_NOT_GREEN",
      `There is no successful build of ${code(repo.name)} ${code(branch)} to deploy to ${environment.name}. Build it with \`/build ${repo.name} ${branch}\`, then deploy.`,
    );
  }
  return { revision: build.sha, branch, source: build, overrides: [] };
}

function ofBuild(id: number, context: TargetContext): ResolvedTarget {
  const { repo, environment, force } = context;
  const build = context.findBuild(id);
  if (!build || build.repo !== repo.name || isDeployBuild(build)) {
    throw new SlashbuildError(
      "BUILD_UNKNOWN",
      `There is no build #${id} of ${code(repo.name)} to deploy. \`/build status ${repo.name}\` lists its builds.`,
    );
  }
  refusePullRequest(build);
  if (!build.sha) {
    throw new SlashbuildError(
      "DEPLOY_NOT_GREEN",
      `Build #${id} never resolved a commit (it is ${build.status}); deploy a build that succeeded.`,
    );
  }
  const overrides: string[] = [];
  if (build.status !== "succeeded") {
    if (!force) {
      throw new SlashbuildError(
        "DEPLOY_NOT_GREEN",
        `Build #${id} ${build.status === "running" || build.status === "queued" ? "has not finished" : `is ${build.status}`}; only a successful build's commit may be deployed. An admin may add --force.`,
      );
    }
    overrides.push(`build #${id} did not succeed`);
  }
  if (!onBranches(environment, build.branch)) {
    if (!force) throw branchRefusal(environment, build.branch, `build #${id}`);
    overrides.push(`branch ${build.branch} is not one of ${environment.name}'s`);
  }
  return { revision: build.sha, branch: build.branch, source: build, overrides };
}

function ofRevision(revision: string, context: TargetContext): ResolvedTarget {
  const { repo, environment, force } = context;
  const builds = context.green
    .ofRevision(repo.name, revision, SAME_COMMIT_PAGE)
    .filter((build) => build.trigger?.kind !== "pull_request");
  const commits = new Set(builds.map((build) => build.sha));
  if (commits.size > 1) {
    throw new SlashbuildError(
      "REVISION_MALFORMED",
      `The short id ${code(revision)} matches ${commits.size} built commits; type more of its hex digits.`,
    );
  }
  const onEnvironment = builds.find((build) => onBranches(environment, build.branch));
  if (onEnvironment?.sha) {
    return {
      revision: onEnvironment.sha,
      branch: onEnvironment.branch,
      source: onEnvironment,
      overrides: [],
    };
  }
  const elsewhere = builds.find((build) => build.sha);
  if (elsewhere?.sha) {
    if (!force) throw branchRefusal(environment, elsewhere.branch, `commit ${shortSha(elsewhere.sha)}`);
    return {
      revision: elsewhere.sha,
      branch: elsewhere.branch,
      source: elsewhere,
      overrides: [`branch ${elsewhere.branch} is not one of ${environment.name}'s`],
    };
  }
  if (!force) {
    throw new SlashbuildError(
      "DEPLOY_NOT_GREEN",
      `No build of commit ${code(revision)} succeeded in ${code(repo.name)}; only a commit with a successful build may be deployed. Build it with \`/build ${repo.name} ${environment.defaultBranch} ${revision}\` first (an admin may add --force).`,
    );
  }
  return {
    revision,
    branch: environment.defaultBranch,
    source: null,
    overrides: [`no successful build of ${shortSha(revision)}`],
  };
}

export function onBranches(environment: EnvironmentConfig, branch: string): boolean {
  return environment.branches.some((pattern) => branchMatches(pattern, branch));
}

function refusePullRequest(build: Build): void {
  if (build.trigger?.kind !== "pull_request") return;
  throw new SlashbuildError(
    "DEPLOY_BRANCH_NOT_ALLOWED",
    `Build #${build.id} is of ${build.trigger.noun.toLowerCase()} ${build.trigger.reference}; a pull request is never deployed (its code may come from a fork). Merge it, then deploy the branch's build.`,
  );
}

function branchRefusal(environment: EnvironmentConfig, branch: string, what: string): SlashbuildError {
  return new SlashbuildError(
    "DEPLOY_BRANCH_NOT_ALLOWED",
    `${what.charAt(0).toUpperCase()}${what.slice(1)} was built on ${code(branch)}, but ${environment.name} takes revisions only from ${environment.branches.map(code).join(", ")}. Merge it there and deploy that build (an admin may add --force).`,
  );
}
