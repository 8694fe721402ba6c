import type { Config, DeployConfig, EnvironmentConfig, RepoConfig } from "../../config/config.js";
import type { ChatUser } from "../chat-command.js";
import { SlashbuildError, sentence } from "../errors.js";
import { code } from "../format-reply.js";
import type { EnvironmentLock } from "./deploy.js";
import { formatTime } from "./format-time.js";
import type { DeployStore, FreezeCalendar } from "./ports.js";

/**
 * The checks a deploy passes besides its revision (resolve-deploy-target.ts): the repo deploys, the
 * environment exists, and it is neither locked by someone else nor frozen. An admin's --force
 * passes a lock or a freeze, and each one it passes is returned, to be recorded and said in the
 * channel. Only index reads: the lock by primary key, the freeze from the config's patterns.
 */

export interface Environment {
  readonly repo: RepoConfig;
  readonly deploy: DeployConfig;
  readonly environment: EnvironmentConfig;
}

/** The repo, its deploy section and the environment, or the error that names what exists. */
export function environmentOf(config: Config, repoName: string, environmentName: string): Environment {
  const repo = Object.hasOwn(config.repos, repoName) ? config.repos[repoName] : undefined;
  if (!repo) {
    const deployable = Object.values(config.repos)
      .filter((r) => r.deploy)
      .map((r) => code(r.name));
    throw new SlashbuildError(
      "REPO_UNKNOWN",
      `There is no repo ${code(repoName)}.${deployable.length > 0 ? ` Repos that deploy: ${deployable.join(", ")}.` : ""}`,
    );
  }
  const deploy = repo.deploy;
  if (!deploy) {
    throw new SlashbuildError(
      "DEPLOY_NOT_CONFIGURED",
      `${code(repo.name)} has no \`deploy:\` section, so it does not deploy from chat; an admin can add one (docs/configuration.md).`,
    );
  }
  const environment = Object.hasOwn(deploy.environments, environmentName)
    ? deploy.environments[environmentName]
    : undefined;
  if (!environment) {
    throw new SlashbuildError(
      "ENVIRONMENT_UNKNOWN",
      `${code(repo.name)} has no environment ${code(environmentName)}; it deploys to ${Object.keys(deploy.environments).map(code).join(", ")}.`,
    );
  }
  return { repo, deploy, environment };
}

/** The environment's lock, unless it has lapsed (a lapsed lock holds nothing, swept or not). */
export function liveLock(
  store: DeployStore,
  repo: string,
  environment: string,
  now: number,
): EnvironmentLock | null {
  const lock = store.lock(repo, environment);
  return lock && lock.expiresAt > now ? lock : null;
}

export interface GateContext {
  readonly store: DeployStore;
  readonly freezes: FreezeCalendar;
  readonly now: number;
}

/** Refuses a deploy into someone else's lock or a freeze; with `force`, names what it passes instead. */
export function checkGate(
  { repo, environment }: Pick<Environment, "repo" | "environment">,
  user: ChatUser,
  force: boolean,
  context: GateContext,
): string[] {
  const overrides: string[] = [];
  const lock = liveLock(context.store, repo.name, environment.name, context.now);
  if (lock && lock.holderId !== user.id) {
    if (!force) throw lockedError(lock);
    overrides.push(`@${lock.holder}'s lock`);
  }
  const freeze = context.freezes.at(environment, context.now).now;
  if (freeze) {
    if (!force) {
      const until = freeze.until === null ? "" : ` until ${formatTime(freeze.until)}`;
      throw new SlashbuildError(
        "ENVIRONMENT_FROZEN",
        `${sentence(environment.name)} is frozen${until} (freeze ${code(freeze.pattern)}${environment.timezone ? `, ${environment.timezone}` : ""}); deploy after it, or an admin may add --force.`,
      );
    }
    overrides.push(`the freeze ${freeze.pattern}`);
  }
  return overrides;
}

export function lockedError(lock: EnvironmentLock): SlashbuildError {
  const why = lock.reason ? `: ${lock.reason}` : "";
  return new SlashbuildError(
    "ENVIRONMENT_LOCKED",
    `${sentence(lock.environment)} is locked by @${lock.holder} since ${formatTime(lock.since)}${why}. Ask them to \`/build unlock ${lock.repo} ${lock.environment}\` (it lapses at ${formatTime(lock.expiresAt)}); an admin may add --force.`,
  );
}
