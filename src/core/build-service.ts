import type { Config, RepoConfig } from "../config/config.js";
import { announceTransition } from "./announce-transition.js";
import { type BackendName, type Build, isHeldDeploy } from "./build.js";
import { BuildAdmission, type BuildRequest } from "./build-admission.js";
import { nextBuild } from "./build-state-machine.js";
import type { ChatChannel, ChatUser } from "./chat-command.js";
import { checkStoppable } from "./check-stoppable.js";
import { refuseDeployRebuild } from "./deploys/refuse-deploy-rebuild.js";
import { SlashbuildError, sentence } from "./errors.js";
import { EventBacklog, type EventBacklogOptions } from "./event-backlog.js";
import type { BuildEvent } from "./events.js";
import { persistTransition } from "./persist-transition.js";
import type {
  Atomically,
  BranchHead,
  BuildBackend,
  BuildFilter,
  BuildStore,
  Clock,
  NewBuild,
  PostDestination,
  RefChecker,
  StartOutcome,
  StatusNotifier,
} from "./ports.js";

/** The answer to a build request: a new build, or the queued/running one that already builds the same. */
export interface Admission {
  readonly build: Build;
  readonly duplicate: boolean;
  /** Set when the backend could not confirm it has the build (StartOutcome); says what happens next. */
  readonly unconfirmed?: string;
}

export interface BuildServiceDeps {
  readonly config: Config;
  readonly store: BuildStore;
  readonly refs: RefChecker;
  readonly notifier: StatusNotifier;
  readonly clock?: Clock;
  /** Stores a state change and the posts it causes together (app.ts: one SQLite transaction). */
  readonly atomically?: Atomically;
  /** Options of the backlog of events a full disk held back (tests drive its timer). */
  readonly backlog?: Omit<EventBacklogOptions, "apply">;
}

export type BuildListener = (build: Build, event: BuildEvent | { readonly type: "queued" }) => void;

/**
 * The heart of slashbuild: the one way a build comes to exist (requestBuild, after BuildAdmission's
 * checks), stops and rebuilds, and the single place where backend events change a stored Build
 * (build-state-machine.ts decides, this persists and notifies). Knows nothing of HTTP, SQLite,
 * Mattermost or Buildbot: only the ports. Readers get queries (findBuild, listBuilds), never the store.
 */
export class BuildService {
  readonly #config: Config;
  readonly #store: BuildStore;
  readonly #admission: BuildAdmission;
  readonly #notifier: StatusNotifier;
  readonly #clock: Clock;
  readonly #atomically: Atomically;
  readonly #backends = new Map<BackendName, BuildBackend>();
  readonly #listeners = new Set<BuildListener>();
  readonly #backlog: EventBacklog;

  constructor(deps: BuildServiceDeps) {
    this.#config = deps.config;
    this.#store = deps.store;
    this.#admission = new BuildAdmission({ config: deps.config, store: deps.store, refs: deps.refs });
    this.#notifier = deps.notifier;
    this.#clock = deps.clock ?? Date.now;
    this.#atomically = deps.atomically ?? ((work) => work());
    this.#backlog = new EventBacklog({ ...deps.backlog, apply: (event) => this.#storeEvent(event) });
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

  /**
   * The one entry point for a new build, whoever asks (chat, web, tests): admission checks, then,
   * unless `again` is set, a request for what is already queued or running (find-duplicate.ts)
   * answers with that build instead of starting a second one. Otherwise the build is stored and
   * handed to its backend.
   */
  async requestBuild(request: BuildRequest): Promise<Admission> {
    const decision = await this.#admission.decide(request);
    if (decision.kind === "duplicate") return { build: decision.build, duplicate: true };
    const { repo, branch, revision } = decision;
    const backend = this.#backendFor(repo);
    const build = this.#store.create({
      repo: repo.name,
      branch,
      requestedRevision: revision,
      requester: request.user.name,
      requesterId: request.user.id,
      channelId: request.channel.id,
      channelName: request.channel.name,
      backend: backend.name,
      rebuildOf: request.rebuildOf ?? null,
      createdAt: this.#clock(),
      trigger: request.trigger ?? null,
    });
    let outcome: Awaited<ReturnType<BuildBackend["start"]>>;
    try {
      outcome = await backend.start(build, repo);
    } catch (error) {
      // The backend certainly never took it: nobody hears of this build, so it leaves no trace.
      const reason =
        error instanceof SlashbuildError ? error.message : `the ${backend.name} backend refused the build`;
      this.#store.discard(build.id);
      throw error instanceof SlashbuildError
        ? error
        : new SlashbuildError("BACKEND_UNAVAILABLE", `${sentence(reason)}; try again in a minute.`, {
            cause: error,
          });
    }
    this.#notifier.buildQueued(build);
    this.#emit(build, { type: "queued" });
    return outcome?.confirmed === false
      ? { build, duplicate: false, unconfirmed: outcome.note }
      : { build, duplicate: false };
  }

  /**
   * Builds the same repo, branch and commit again (the resolved sha when known), through
   * requestBuild: so two people clicking Rebuild, in chat or on the web, get one build unless `again`.
   */
  async rebuild(
    id: number,
    user: ChatUser,
    channel: ChatChannel,
    options: { readonly again?: boolean } = {},
  ): Promise<Admission> {
    const original = this.#existing(id);
    refuseDeployRebuild(original);
    return this.requestBuild({
      repo: original.repo,
      branch: original.branch,
      revision: original.sha ?? original.requestedRevision,
      user,
      channel,
      rebuildOf: original.id,
      again: options.again === true,
    });
  }

  /** Stores and announces a build no backend has until `launch` (a deploy waiting: core/deploys/); not recovered here. */
  hold(build: NewBuild): Build {
    const held = this.#store.create(build);
    this.#notifier.buildQueued(held);
    this.#emit(held, { type: "queued" });
    return held;
  }

  /** Hands a held build to its backend to run `repo` (a deploy's commands); on a refusal the caller ends it. */
  // biome-ignore lint/suspicious/noConfusingVoidType: as BuildBackend.start.
  async launch(build: Build, repo: RepoConfig): Promise<StartOutcome | void> {
    return this.#backendFor(repo).start(build, repo);
  }

  /**
   * Ends a still-queued build that a newer one replaces (a newer push to its branch); its finish
   * post says "superseded by #N". A build that has started meanwhile is left alone.
   */
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

  /** Stops a queued or running build for `user`, if they may (check-stoppable.ts). */
  async stopBuild(id: number, user: ChatUser): Promise<Build> {
    const build = this.#existing(id);
    const repo = checkStoppable(this.#config, build, user);
    await this.#backendFor(repo).stop(build, repo, user.name);
    return this.#store.get(id) ?? build;
  }

  /** Where the build's status posts go, if the notifier can say (for the requester's answer). */
  postDestination(build: Build): PostDestination | undefined {
    return this.#notifier.destination?.(build);
  }

  /** A build by number, or BUILD_UNKNOWN with what to do instead. */
  getBuild(id: number): Build {
    return this.#existing(id);
  }

  /** A build by number, or undefined (for readers that poll and must not throw). */
  findBuild(id: number): Build | undefined {
    return this.#store.get(id);
  }

  /** Builds newest first, filtered (the chat `status` answer and the web list). */
  listBuilds(filter: BuildFilter = {}): Build[] {
    return this.#store.list(filter);
  }

  /** A repo's branches by latest verdict, newest first, with their newest builds (the repo overview); one branch's (badges). */
  branchHeads(repo: string, limit: number, beforeId?: number): BranchHead[] {
    return this.#store.branchHeads(repo, limit, beforeId);
  }
  branchHead(repo: string, branch: string): BranchHead | undefined {
    return this.#store.branchHead(repo, branch);
  }

  /**
   * The sink every backend reports to: the state machine decides, this persists, notifies and
   * emits. An event that cannot be stored because the disk is full waits and is stored later,
   * in order (event-backlog.ts): it never throws that at the backend.
   */
  applyEvent = (event: BuildEvent): void => {
    this.#backlog.submit(event);
  };

  /** Tries the events a full disk held back again now (before a stop); returns how many still wait. */
  retryWaitingEvents(): number {
    return this.#backlog.retry();
  }

  /** Stops retrying held-back events: the next start reports their builds interrupted. */
  close(): void {
    this.#backlog.close();
  }

  #storeEvent(event: BuildEvent): void {
    const current = this.#store.get(event.buildId);
    if (!current) return;
    const transition = nextBuild(current, event);
    if (!transition) return;
    // The new state and its posts in one unit: a crash between them would otherwise keep a finished
    // build whose finish post never existed (and recovery, seeing a final build, would not repair it).
    const build = this.#atomically(() => {
      const stored = persistTransition(this.#store, current, transition.build, event.type === "started");
      announceTransition(this.#notifier, transition.announce, stored);
      return stored;
    });
    this.#emit(build, event);
  }

  /** At startup: every backend settles the builds the last process left unfinished. */
  async recover(): Promise<void> {
    const unfinished = this.#store.unfinished().filter((build) => !isHeldDeploy(build));
    for (const backend of this.#backends.values()) {
      await backend.recover(
        unfinished.filter((build) => build.backend === backend.name),
        this.#config.repos,
      );
    }
  }

  /** Channel check for commands that are not tied to one repo (list, status, stop). */
  checkGlobalChannel(channel: ChatChannel): void {
    this.#admission.checkChannel(null, channel);
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

  #backendFor(repo: RepoConfig): BuildBackend {
    const backend = this.#backends.get(repo.backend);
    if (!backend) {
      throw new SlashbuildError(
        "BACKEND_UNAVAILABLE",
        `${repo.name} builds on ${repo.backend}, which is not set up in this slashbuild; ask an admin.`,
      );
    }
    return backend;
  }
}
