import type { Config, RepoConfig } from "../config/config.js";
import { checkBranchName, checkRevision } from "../git/validate-ref.js";
import { allowedChannels, buildableRepos, channelAllowed, isAdmin, mayBuild } from "./authorize.js";
import { type BackendName, type Build, isFinal } from "./build.js";
import type { ChatChannel, ChatUser } from "./chat-command.js";
import { SlashbuildError } from "./errors.js";
import type { BuildEvent } from "./events.js";
import { findDuplicate } from "./find-duplicate.js";
import type { BuildBackend, BuildStore, Clock, NewBuild, RefChecker, StatusNotifier } from "./ports.js";
import { type BuildTrigger, triggerRequester } from "./triggers/trigger.js";

export interface BuildRequest {
  readonly repo: string;
  readonly branch: string | null;
  readonly revision: string | null;
  readonly user: ChatUser;
  readonly channel: ChatChannel;
  readonly rebuildOf?: number;
  /** Start one even if the same repo, branch and commit is already queued or running. */
  readonly again?: boolean;
}

/** The answer to a build request: a new build, or the queued/running one that already builds the same. */
export interface Admission {
  readonly build: Build;
  readonly duplicate: boolean;
}

export interface BuildServiceDeps {
  readonly config: Config;
  readonly store: BuildStore;
  readonly refs: RefChecker;
  readonly notifier: StatusNotifier;
  readonly clock?: Clock;
}

export type BuildListener = (build: Build, event: BuildEvent | { readonly type: "queued" }) => void;

/**
 * The heart of slashbuild: checks and queues build requests, stops and rebuilds, and is the single
 * place where backend events change a stored Build (so the state machine is the same for every
 * backend). Knows nothing of HTTP, SQLite, Mattermost or Buildbot: only the ports.
 */
export class BuildService {
  readonly #config: Config;
  readonly #store: BuildStore;
  readonly #refs: RefChecker;
  readonly #notifier: StatusNotifier;
  readonly #clock: Clock;
  readonly #backends = new Map<BackendName, BuildBackend>();
  readonly #listeners = new Set<BuildListener>();

  constructor(deps: BuildServiceDeps) {
    this.#config = deps.config;
    this.#store = deps.store;
    this.#refs = deps.refs;
    this.#notifier = deps.notifier;
    this.#clock = deps.clock ?? Date.now;
  }

  /** Backends are attached after construction because they need `applyEvent` as their sink. */
  attachBackend(backend: BuildBackend): void {
    this.#backends.set(backend.name, backend);
  }

  /** Live updates for the web UI; returns an unsubscribe function. */
  subscribe(listener: BuildListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get store(): BuildStore {
    return this.#store;
  }

  /** Validates everything a person typed, then stores and hands the build to its backend (no deduplication). */
  async requestBuild(request: BuildRequest): Promise<Build> {
    return (await this.submitBuild({ ...request, again: true })).build;
  }

  /**
   * Like requestBuild, but a request for what is already queued or running (find-duplicate.ts)
   * answers with that build instead of starting a second one, unless `again` is set. Checked after
   * every permission check, so nobody learns of builds they could not have started.
   */
  async submitBuild(request: BuildRequest): Promise<Admission> {
    const repo = this.#repoFor(request.repo, request.user, request.channel);
    this.#checkChannel(repo, request.channel);
    const branch = request.branch ?? repo.defaultBranch;
    checkBranchName(branch);
    const revision = request.revision === null ? null : checkRevision(request.revision);
    const permission = mayBuild(this.#config, repo, branch, request.user);
    if (!permission.ok) throw new SlashbuildError("NOT_PERMITTED", `Sorry, ${permission.why}`);
    if (!request.again) {
      const existing = findDuplicate(this.#store.unfinished({ repo: repo.name, branch }), {
        repo: repo.name,
        branch,
        revision,
      });
      if (existing) return { build: existing, duplicate: true };
    }
    if (!(await this.#refs.branchExists(repo, branch))) {
      throw new SlashbuildError(
        "BRANCH_UNKNOWN",
        `Branch \`${branch}\` does not exist in ${repo.name}. Push it first, or build the default branch with \`/build ${repo.name}\`.`,
      );
    }
    const build = await this.#launch(repo, {
      branch,
      requestedRevision: revision,
      requester: request.user.name,
      requesterId: request.user.id,
      channelId: request.channel.id,
      channelName: request.channel.name,
      rebuildOf: request.rebuildOf ?? null,
      trigger: null,
    });
    return { build, duplicate: false };
  }

  /**
   * Stores a build nobody typed (push, pull request, schedule: see core/triggers/) and hands it to
   * its backend. The caller has decided it should run; there is no chat channel to check.
   */
  async launchTriggered(
    repo: RepoConfig,
    launch: { readonly branch: string; readonly sha: string; readonly trigger: BuildTrigger },
  ): Promise<Build> {
    checkBranchName(launch.branch);
    const who = triggerRequester(launch.trigger);
    return this.#launch(repo, {
      branch: launch.branch,
      requestedRevision: checkRevision(launch.sha),
      requester: who.name,
      requesterId: who.id,
      // Posts of triggered builds go where the repo's routing says (notify_channel, notify_branches).
      channelId: "",
      channelName: "",
      rebuildOf: null,
      trigger: launch.trigger,
    });
  }

  /** Ends a still-queued build that a newer one replaces; its finish says which. */
  async supersede(old: Build, by: Build): Promise<void> {
    const repo = this.#config.repos[old.repo];
    const current = this.#store.get(old.id);
    if (!repo || !current || current.status !== "queued") return;
    // Recorded first, so the backend's own "stopped" event that follows is ignored as late.
    this.applyEvent({
      type: "finished",
      buildId: old.id,
      at: this.#clock(),
      status: "cancelled",
      reason: `superseded by #${by.id}`,
    });
    await this.#backendFor(repo).stop(current, repo, "slashbuild");
  }

  async #launch(repo: RepoConfig, fields: Omit<NewBuild, "repo" | "backend" | "createdAt">): Promise<Build> {
    const backend = this.#backendFor(repo);
    const build = this.#store.create({
      ...fields,
      repo: repo.name,
      backend: backend.name,
      createdAt: this.#clock(),
    });
    try {
      await backend.start(build, repo);
    } catch (error) {
      // The backend never took it: close the record without chat posts, and tell the requester why.
      const reason =
        error instanceof SlashbuildError ? error.message : `the ${backend.name} backend refused the build`;
      this.#store.update(build.id, { status: "failed", finishedAt: this.#clock(), reason });
      throw error instanceof SlashbuildError
        ? error
        : new SlashbuildError("BACKEND_UNAVAILABLE", `Sorry, ${reason}; try again in a minute.`, {
            cause: error,
          });
    }
    this.#notifier.buildQueued(build);
    this.#emit(build, { type: "queued" });
    return build;
  }

  async stopBuild(id: number, user: ChatUser): Promise<Build> {
    const build = this.#existing(id);
    if (isFinal(build.status)) {
      throw new SlashbuildError(
        "BUILD_FINISHED",
        `Build #${id} has already finished (${build.status}); nothing to stop.`,
      );
    }
    const repo = this.#config.repos[build.repo];
    const allowed =
      isAdmin(this.#config, user) ||
      build.requesterId === user.id ||
      (repo !== undefined && mayBuild(this.#config, repo, build.branch, user).ok);
    if (!allowed || repo === undefined) {
      throw new SlashbuildError(
        "NOT_PERMITTED",
        `Sorry, only @${build.requester}, an admin, or someone allowed to build ${build.repo} ${build.branch} may stop #${id}.`,
      );
    }
    await this.#backendFor(repo).stop(build, repo, user.name);
    return this.#store.get(id) ?? build;
  }

  /** Builds the same repo, branch and commit again (the resolved sha when known). */
  async rebuild(id: number, user: ChatUser, channel: ChatChannel): Promise<Build> {
    return (await this.submitRebuild(id, user, channel, true)).build;
  }

  /** rebuild with deduplication (two people clicking Rebuild get one build), unless `again`. */
  async submitRebuild(id: number, user: ChatUser, channel: ChatChannel, again = false): Promise<Admission> {
    const original = this.#existing(id);
    return this.submitBuild({
      repo: original.repo,
      branch: original.branch,
      revision: original.sha ?? original.requestedRevision,
      user,
      channel,
      rebuildOf: original.id,
      again,
    });
  }

  getBuild(id: number): Build {
    return this.#existing(id);
  }

  /** The sink every backend reports to. Events for finished builds are ignored (push and poll may overlap). */
  applyEvent = (event: BuildEvent): void => {
    const current = this.#store.get(event.buildId);
    if (!current || isFinal(current.status)) return;
    let build: Build;
    switch (event.type) {
      case "started":
        this.#store.setSteps(current.id, event.steps);
        build = this.#store.update(current.id, { status: "running", sha: event.sha, startedAt: event.at });
        this.#notifier.buildStarted(build);
        break;
      case "step_started":
        this.#store.updateStep(current.id, event.index, {
          status: "running",
          startedAt: event.at,
          ...(event.name ? { name: event.name } : {}),
        });
        build = this.#store.get(current.id) as Build;
        this.#notifier.buildProgressed?.(build);
        break;
      case "step_finished":
        this.#store.updateStep(current.id, event.index, {
          status: event.status,
          exitCode: event.exitCode,
          finishedAt: event.at,
        });
        build = this.#store.get(current.id) as Build;
        break;
      case "external":
        build = this.#store.update(current.id, { external: { ...current.external, ...event.external } });
        break;
      case "finished":
        for (const step of current.steps) {
          if (step.status === "pending")
            this.#store.updateStep(current.id, step.index, { status: "skipped" });
          if (step.status === "running") {
            this.#store.updateStep(current.id, step.index, {
              status: event.status === "timed_out" ? "timed_out" : "cancelled",
              finishedAt: event.at,
            });
          }
        }
        build = this.#store.update(current.id, {
          status: event.status,
          finishedAt: event.at,
          failingStep: event.failingStep ?? null,
          reason: event.reason ?? null,
          ...(event.external ? { external: { ...current.external, ...event.external } } : {}),
        });
        this.#notifier.buildFinished(build);
        break;
    }
    this.#emit(build, event);
  };

  /** At startup: every backend settles the builds the last process left unfinished. */
  async recover(): Promise<void> {
    const unfinished = this.#store.unfinished();
    for (const backend of this.#backends.values()) {
      await backend.recover(
        unfinished.filter((build) => build.backend === backend.name),
        this.#config.repos,
      );
    }
  }

  #emit(build: Build, event: BuildEvent | { readonly type: "queued" }): void {
    for (const listener of this.#listeners) listener(build, event);
  }

  #existing(id: number): Build {
    const build = this.#store.get(id);
    if (!build)
      throw new SlashbuildError(
        "BUILD_UNKNOWN",
        `There is no build #${id}. \`/build status\` lists recent builds.`,
      );
    return build;
  }

  #repoFor(name: string, user: ChatUser, channel: ChatChannel): RepoConfig {
    const repo = Object.hasOwn(this.#config.repos, name) ? this.#config.repos[name] : undefined;
    if (repo) return repo;
    const choices = buildableRepos(this.#config, user, channel).map((r) => r.name);
    throw new SlashbuildError(
      "REPO_UNKNOWN",
      choices.length > 0
        ? `Sorry, there is no repo \`${name}\`. You can build: ${choices.map((c) => `\`${c}\``).join(", ")}.`
        : `Sorry, there is no repo \`${name}\`, and there is no repo you may build from this channel.`,
    );
  }

  #checkChannel(repo: RepoConfig | null, channel: ChatChannel): void {
    if (channelAllowed(this.#config, repo, channel)) return;
    const allowed = allowedChannels(this.#config, repo) ?? [];
    const what = repo ? `${repo.name} can be built` : "/build works";
    throw new SlashbuildError(
      "CHANNEL_NOT_ALLOWED",
      `Sorry, ${what} only in ${allowed.map((c) => `~${c}`).join(", ")}. Run the command there.`,
    );
  }

  #backendFor(repo: RepoConfig): BuildBackend {
    const backend = this.#backends.get(repo.backend);
    if (!backend) {
      throw new SlashbuildError(
        "BACKEND_UNAVAILABLE",
        `Sorry, ${repo.name} builds on ${repo.backend}, which is not set up in this slashbuild; ask an admin.`,
      );
    }
    return backend;
  }

  /** Channel check for commands that are not tied to one repo (list, status, stop, rebuild). */
  checkGlobalChannel(channel: ChatChannel): void {
    this.#checkChannel(null, channel);
  }
}
