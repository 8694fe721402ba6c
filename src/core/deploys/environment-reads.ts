import type { Config, EnvironmentConfig, RepoConfig } from "../../config/config.js";
import type { ChatChannel } from "../chat-command.js";
import { SlashbuildError } from "../errors.js";
import type { Clock } from "../ports.js";
import type { Deploy, EnvironmentEvent, EnvironmentLock, FreezeState } from "./deploy.js";
import type { DeployAccess } from "./deploy-access.js";
import { environmentOf, liveLock } from "./deploy-admission.js";
import type { DeployStore, FreezeCalendar } from "./ports.js";

/**
 * What `/build envs` and `/build history` show (and the web's environments page may): each
 * environment's current revision and who put it there, what deploys or waits, its lock and its
 * freezes. Reads only, each an index seek (a few per environment).
 */

export interface EnvironmentStatus {
  readonly repo: string;
  readonly environment: EnvironmentConfig;
  /** The newest successful deploy: what the environment holds. */
  readonly current: Deploy | null;
  /** The newest deploy that ran to an end (failed, timed out, interrupted or succeeded). */
  readonly last: Deploy | null;
  readonly deploying: Deploy | null;
  /** The deploy waiting for approvals or for the running one. */
  readonly waiting: Deploy | null;
  readonly lock: EnvironmentLock | null;
  readonly freeze: FreezeState;
}

export interface EnvironmentHistory {
  readonly repo: string;
  readonly environment: string;
  /** Newest first. */
  readonly deploys: readonly Deploy[];
  /** Locks, unlocks, broken and lapsed locks, newest first. */
  readonly events: readonly EnvironmentEvent[];
}

export interface EnvironmentReadsDeps {
  readonly config: Config;
  readonly store: DeployStore;
  readonly access: DeployAccess;
  readonly freezes: FreezeCalendar;
  readonly clock: Clock;
}

const RAN = ["succeeded", "failed", "timed_out", "interrupted"] as const;

export class EnvironmentReads {
  readonly #deps: EnvironmentReadsDeps;

  constructor(deps: EnvironmentReadsDeps) {
    this.#deps = deps;
  }

  /** Every environment of `repo`, or of every repo that deploys and may be used in `channel`. */
  environments(repoName: string | null, channel: ChatChannel | null): EnvironmentStatus[] {
    const repos = repoName === null ? this.#deployable(channel) : [this.#repo(repoName, channel)];
    return repos.flatMap((repo) =>
      Object.values(repo.deploy?.environments ?? {}).map((environment) => this.status(repo, environment)),
    );
  }

  /** One environment as it stands now. */
  status(repo: RepoConfig, environment: EnvironmentConfig): EnvironmentStatus {
    const { store, freezes, clock } = this.#deps;
    const now = clock();
    const newest = (states: Parameters<DeployStore["newest"]>[2]) =>
      store.newest(repo.name, environment.name, states) ?? null;
    return {
      repo: repo.name,
      environment,
      current: newest(["succeeded"]),
      last: newest(RAN),
      deploying: newest(["deploying"]),
      waiting: newest(["awaiting_approval", "queued"]),
      lock: liveLock(store, repo.name, environment.name, now),
      freeze: freezes.at(environment, now),
    };
  }

  history(
    repoName: string,
    environmentName: string,
    channel: ChatChannel | null,
    limit = 10,
  ): EnvironmentHistory {
    const place = environmentOf(this.#deps.config, repoName, environmentName);
    this.#checkChannel(place.repo, channel);
    const { store } = this.#deps;
    return {
      repo: place.repo.name,
      environment: place.environment.name,
      deploys: store.history(place.repo.name, place.environment.name, limit),
      events: store.events(place.repo.name, place.environment.name, limit),
    };
  }

  /** The environments of `repo` that hold `sha` now (the build page's "deployed to"). */
  holding(repoName: string, sha: string): string[] {
    const repo = Object.hasOwn(this.#deps.config.repos, repoName)
      ? this.#deps.config.repos[repoName]
      : undefined;
    return Object.values(repo?.deploy?.environments ?? {})
      .filter(
        (environment) => this.#deps.store.newest(repoName, environment.name, ["succeeded"])?.revision === sha,
      )
      .map((environment) => environment.name);
  }

  #repo(name: string, channel: ChatChannel | null): RepoConfig {
    const repo = Object.hasOwn(this.#deps.config.repos, name) ? this.#deps.config.repos[name] : undefined;
    if (!repo) throw new SlashbuildError("REPO_UNKNOWN", `There is no repo \`${name}\`.`);
    if (!repo.deploy) {
      throw new SlashbuildError(
        "DEPLOY_NOT_CONFIGURED",
        `\`${repo.name}\` has no \`deploy:\` section, so it has no environments; an admin can add one (docs/configuration.md).`,
      );
    }
    this.#checkChannel(repo, channel);
    return repo;
  }

  #deployable(channel: ChatChannel | null): RepoConfig[] {
    return Object.values(this.#deps.config.repos).filter(
      (repo) => repo.deploy && (channel === null || this.#deps.access.channelAllowed(repo, channel)),
    );
  }

  #checkChannel(repo: RepoConfig, channel: ChatChannel | null): void {
    if (channel === null || this.#deps.access.channelAllowed(repo, channel)) return;
    throw new SlashbuildError(
      "CHANNEL_NOT_ALLOWED",
      `${repo.name}'s environments are shown only where ${repo.name} can be built; run the command there.`,
    );
  }
}
