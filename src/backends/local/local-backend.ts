import { rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { Config, RepoConfig } from "../../config/config.js";
import type { Build, FinalStatus } from "../../core/build.js";
import { SlashbuildError } from "../../core/errors.js";
import type { BuildEvent, BuildEventSink } from "../../core/events.js";
import type { BuildBackend, Clock } from "../../core/ports.js";
import type { BuildMirrors } from "./build-mirrors.js";
import { BuildQueue, type QueueEntry } from "./build-queue.js";
import type { LocalBackendOptions } from "./local-backend-options.js";
import { LogFiles } from "./log-files.js";
import { removeRetiredWorkspaces } from "./retire-workspace.js";
import { runBuild, type StopReason } from "./run-build.js";
import { planSandbox, type SandboxPlan } from "./sandbox/sandbox-plan.js";
import { StartFloor } from "./start-floor.js";
import { killRecordedStep } from "./step-records.js";
import { workspacesDir } from "./workspaces-dir.js";

/** Live output of a step, exactly as written to its log file (masked). */
export type LogListener = (buildId: number, stepIndex: number, text: string) => void;

interface Job extends QueueEntry {
  /** Set while it runs; while it waits, only without `findBuild`. */
  build?: Build;
  readonly config: RepoConfig;
  /** Made when the build starts: a waiting build is stopped by taking it out of the queue, and
   * 10,000 waiting builds should not hold 10,000 AbortControllers (issue 13's memory bound). */
  stop?: AbortController;
  done?: Promise<void>;
  /** What it has reported: `started` (the store says running), then its end. */
  reported?: "started" | "ended";
}

const INTERRUPTED = "slashbuild restarted while this build was running";
const SHUT_DOWN = "slashbuild was shut down while this build was running";

/**
 * The embedded runner: builds run as local processes, queued under the global and per-repo
 * limits. Everything it learns is reported through the sink; it keeps no state of its own beyond
 * the queue, so after a restart `recover` is all it needs.
 */
export class LocalBackend implements BuildBackend {
  readonly name = "local" as const;
  readonly logs: LogFiles;
  readonly #config: Config;
  readonly #mirrors: BuildMirrors;
  readonly #sink: BuildEventSink;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #extraSecrets: readonly string[];
  readonly #parentEnv: NodeJS.ProcessEnv;
  readonly #killGraceMs: number;
  readonly #onSandboxStartFailure: ((repo: string) => void) | undefined;
  readonly #findBuild: ((id: number) => Build | undefined) | undefined;
  readonly #queue: BuildQueue<Job>;
  readonly #logListeners = new Set<LogListener>();
  readonly #sandbox: SandboxPlan | null;
  readonly #floor: StartFloor;
  /** Ending what the last process left running; nothing new starts until it is done. */
  #recovering: Promise<void> | null = null;
  #closed = false;

  constructor(options: LocalBackendOptions) {
    this.#config = options.config;
    this.#mirrors = options.mirrors;
    this.#sink = options.sink;
    this.#clock = options.clock ?? Date.now;
    this.#logger = options.logger;
    this.#extraSecrets = options.extraSecrets ?? [];
    this.#parentEnv = options.parentEnv ?? process.env;
    this.#killGraceMs = options.killGraceMs ?? options.config.runner.killGraceMs ?? 5000;
    this.#onSandboxStartFailure = options.onSandboxStartFailure;
    this.#findBuild = options.findBuild;
    this.#sandbox =
      options.sandbox !== undefined
        ? options.sandbox
        : options.config.runner.sandbox === "none"
          ? null
          : planSandbox(options.config);
    this.#queue = new BuildQueue(options.config.runner.concurrency);
    this.logs = new LogFiles(options.config.dataDir);
    this.#floor = new StartFloor(options.config, this.#logger);
  }

  workspaceFor(buildId: number): string {
    return path.join(workspacesDir(this.#config), String(buildId));
  }

  /** Subscribes to live step output; returns the unsubscribe function. */
  onLog(listener: LogListener): () => void {
    this.#logListeners.add(listener);
    return () => this.#logListeners.delete(listener);
  }

  async start(build: Build, repo: RepoConfig): Promise<void> {
    if (this.#closed) {
      throw new SlashbuildError("BACKEND_UNAVAILABLE", "slashbuild is shutting down; try again in a minute.");
    }
    this.#enqueue(build, repo);
    this.#logger?.debug({ buildId: build.id, phase: "queued" }, "build timeline");
    // Started on the next turn, so no event can reach the sink before start() has returned.
    setImmediate(() => this.#pump());
  }

  async stop(build: Build, _repo: RepoConfig, requestedBy: string): Promise<void> {
    if (this.#queue.remove(build.id)) {
      this.#emit(ended(build.id, this.#clock(), "cancelled", `stopped by @${requestedBy} before it started`));
      return;
    }
    const running = this.#queue.runningEntry(build.id);
    if (running) {
      running.stop?.abort({ kind: "cancelled", by: requestedBy } satisfies StopReason);
      await running.done;
      return;
    }
    // Not ours any more (e.g. it ended a moment ago): settle the record anyway, as the port promises.
    this.#emit(ended(build.id, this.#clock(), "cancelled", `stopped by @${requestedBy}`));
  }

  /**
   * Running builds died with the last process: their leftovers are ended (all at once, in the
   * background, so the service listens meanwhile) and they are reported interrupted once gone.
   * Queued ones run again, oldest first, and everything new queues behind them until then.
   */
  async recover(builds: readonly Build[], repos: Readonly<Record<string, RepoConfig>>): Promise<void> {
    const running = builds.filter((build) => build.status === "running");
    for (const build of [...builds].sort((a, b) => a.id - b.id)) {
      if (build.status !== "queued") continue;
      const repo = Object.hasOwn(repos, build.repo) ? repos[build.repo] : undefined;
      if (!repo) {
        const reason = `the repo ${build.repo} is no longer in the configuration`;
        this.#emit({ type: "finished", buildId: build.id, at: this.#clock(), status: "failed", reason });
        continue;
      }
      this.#enqueue(build, repo);
    }
    // Workspaces a previous process set aside and did not finish removing (not waited for).
    void removeRetiredWorkspaces(workspacesDir(this.#config), (error) =>
      this.#logger?.warn({ err: error }, "recovery: could not remove an old working copy"),
    );
    // Then the step cgroups a crash left, with whatever still runs in them.
    const recovering = Promise.all(running.map((build) => this.#endInterrupted(build))).then(async () => {
      await this.#sandbox?.cgroups?.removeLeftovers(this.#logger);
    });
    this.#recovering = recovering;
    void recovering.finally(() => {
      if (this.#recovering === recovering) this.#recovering = null;
      setImmediate(() => this.#pump());
    });
  }

  /** Resolves once recovery (if any) has ended what the last process left. */
  async recovered(): Promise<void> {
    await this.#recovering;
  }

  async #endInterrupted(build: Build): Promise<void> {
    const workspace = this.workspaceFor(build.id);
    this.#logger?.info({ buildId: build.id }, "recovery: ending what the interrupted build left running");
    // Its processes may have outlived the last slashbuild: end them before saying it is over.
    const gone = await killRecordedStep(workspace, this.#killGraceMs).catch((error: unknown) => {
      this.#logger?.error({ buildId: build.id, err: error }, "recovery: could not end the build's processes");
      return false;
    });
    if (!gone) return; // the record stays; the next start tries again
    this.#emit(ended(build.id, this.#clock(), "interrupted", INTERRUPTED));
    await rm(workspace, { recursive: true, force: true });
  }

  /**
   * Stops taking work and ends what runs. A build that had started is reported interrupted once
   * its processes are gone, since the shutdown is why it did not finish; one that had not started
   * yet (and every waiting build) stays queued in the store and runs after the next start.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#floor.stop();
    await this.#recovering;
    this.#queue.drain();
    const running = this.#queue.running;
    for (const job of running) job.stop?.abort({ kind: "closing" } satisfies StopReason);
    await Promise.allSettled(running.map((job) => job.done));
    for (const job of running) {
      if (job.reported === "started") this.#emit(ended(job.buildId, this.#clock(), "interrupted", SHUT_DOWN));
    }
    this.#sandbox?.cgroups?.close();
  }

  #enqueue(build: Build, repo: RepoConfig): void {
    this.#queue.enqueue({
      buildId: build.id,
      repo: repo.name,
      repoLimit: repo.concurrency,
      ...(this.#findBuild ? {} : { build }),
      config: repo,
    });
  }

  #pump(): void {
    if (this.#closed || this.#recovering) return;
    if (this.#queue.waitingCount > 0 && this.#floor.holds(() => this.#pump())) return;
    let again = false;
    for (const job of this.#queue.takeRunnable()) {
      const build = job.build ?? this.#findBuild?.(job.buildId);
      if (!build || (!job.build && build.status !== "queued")) {
        // Ended (or gone) while it waited: nothing to run; its slot goes to the next one.
        this.#queue.release(job.buildId);
        again = true;
        continue;
      }
      job.build = build;
      job.stop = new AbortController();
      job.done = this.#run(job as Job & { build: Build }, job.stop.signal);
    }
    if (again) this.#pump();
  }

  async #run(job: Job & { readonly build: Build }, stopSignal: AbortSignal): Promise<void> {
    try {
      await runBuild({
        build: job.build,
        repo: job.config,
        mirrors: this.#mirrors,
        workspace: this.workspaceFor(job.build.id),
        logs: this.logs,
        logLimitBytes: this.#config.runner.logLimitBytes,
        extraSecrets: this.#extraSecrets,
        parentEnv: this.#parentEnv,
        killGraceMs: this.#killGraceMs,
        sandbox: this.#sandbox,
        runnerLimits: this.#config.runner.limits,
        stopSignal,
        emit: (event) => {
          if (event.type === "started") job.reported = "started";
          if (event.type === "finished") job.reported = "ended";
          this.#emit(event);
        },
        onLog: (index, text) => this.#emitLog(job.build.id, index, text),
        clock: this.#clock,
        ...(this.#logger ? { logger: this.#logger } : {}),
        onStartFailure: () => this.#onSandboxStartFailure?.(job.build.repo),
      });
    } catch (error) {
      this.#logger?.error({ buildId: job.build.id, err: error }, "build crashed in the runner");
      if (!this.#closed) {
        const reason = `the runner failed: ${error instanceof Error ? error.message : String(error)}`;
        this.#emit({ type: "finished", buildId: job.build.id, at: this.#clock(), status: "failed", reason });
      }
    } finally {
      this.#queue.release(job.build.id);
      this.#pump();
    }
  }

  /** A sink that throws must not take the runner down with it. */
  #emit(event: BuildEvent): void {
    try {
      this.#sink(event);
    } catch (error) {
      this.#logger?.error(
        { buildId: event.buildId, event: event.type, err: error },
        "the build event sink threw",
      );
    }
  }

  #emitLog(buildId: number, stepIndex: number, text: string): void {
    for (const listener of this.#logListeners) {
      try {
        listener(buildId, stepIndex, text);
      } catch (error) {
        this.#logger?.warn({ buildId, err: error }, "a log listener threw");
      }
    }
  }
}

/** A build's end that its steps did not decide: stopped, interrupted, or its repo gone. */
function ended(buildId: number, at: number, status: FinalStatus, reason: string): BuildEvent {
  return { type: "finished", buildId, at, status, reason };
}
