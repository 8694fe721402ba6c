import { existsSync } from "node:fs";
import { chmod, readFile } from "node:fs/promises";
import path from "node:path";
import { LocalBackend } from "../../../../src/backends/local/local-backend.js";
import type { LocalBackendOptions } from "../../../../src/backends/local/local-backend-options.js";
import type { SandboxPlan } from "../../../../src/backends/local/sandbox/sandbox-plan.js";
import type { Config, RepoConfig } from "../../../../src/config/config.js";
import type { Build } from "../../../../src/core/build.js";
import type { BuildEvent } from "../../../../src/core/events.js";
import { GitMirrors } from "../../../../src/git/git-mirrors.js";
import { makeBuild } from "../../../fakes/make-build.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../../helpers/git-repo.js";
import { makeConfig } from "../../../helpers/make-config.js";

export type FinishedEvent = Extract<BuildEvent, { type: "finished" }>;

/** Collects what the backend reports and lets a test wait for a particular event (no timers). */
export class EventLog {
  readonly events: BuildEvent[] = [];
  readonly #waiters: { match: (event: BuildEvent) => boolean; resolve: (event: BuildEvent) => void }[] = [];

  readonly sink = (event: BuildEvent): void => {
    this.events.push(event);
    for (const waiter of [...this.#waiters]) {
      if (waiter.match(event)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  };

  waitFor(match: (event: BuildEvent) => boolean): Promise<BuildEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  async finished(buildId: number): Promise<FinishedEvent> {
    return (await this.waitFor((e) => e.type === "finished" && e.buildId === buildId)) as FinishedEvent;
  }

  async stepStarted(buildId: number, index = 0): Promise<void> {
    await this.waitFor((e) => e.type === "step_started" && e.buildId === buildId && e.index === index);
  }

  of(buildId: number): BuildEvent[] {
    return this.events.filter((e) => e.buildId === buildId);
  }
}

export interface RepoSpec {
  readonly commands: readonly string[];
  readonly branch?: string;
  readonly env?: Record<string, string>;
  readonly secrets?: Record<string, string>;
  /** Seconds (the config file's unit for bare numbers). */
  readonly timeout?: number;
  readonly concurrency?: number;
  /** Defaults to the harness's own remote repository. */
  readonly url?: string;
}

export interface HarnessOptions {
  readonly repos: Record<string, RepoSpec>;
  readonly runnerConcurrency?: number;
  readonly logLimit?: number;
  /** More runner keys, in the file's snake_case (e.g. sandbox: none). */
  readonly runner?: Record<string, unknown>;
  readonly backend?: Partial<Omit<LocalBackendOptions, "config" | "mirrors" | "sink">>;
  /** Other mirrors than GitMirrors over the harness's data_dir (a subclass that misbehaves). */
  readonly mirrors?: (dataDir: string) => GitMirrors;
  /** The sandbox plan made from the harness's config (e.g. with cgroups); default: the backend's own. */
  readonly sandbox?: (config: Config) => SandboxPlan | null;
  /** More top-level config keys, in the file's snake_case (e.g. health). */
  readonly config?: Record<string, unknown>;
}

/**
 * A LocalBackend on real git and real processes: a remote repository, a data dir, and an `out`
 * dir that commands write their observations into (exported to them as $OUT).
 */
export class Harness {
  #nextId = 1;

  private constructor(
    readonly events: EventLog,
    readonly remote: GitRepoFixture,
    readonly dataDir: string,
    readonly out: string,
    readonly config: Config,
    readonly backend: LocalBackend,
  ) {}

  static async create(options: HarnessOptions): Promise<Harness> {
    const remote = await GitRepoFixture.create();
    const dataDir = await makeTempDir("slashbuild-data-");
    const out = await makeTempDir("slashbuild-out-");
    // Builds see $OUT through runner.writable_paths; as root they run as an unprivileged uid.
    await chmod(out, 0o777);
    const repos = Object.fromEntries(
      Object.entries(options.repos).map(([name, spec]) => [
        name,
        {
          url: spec.url ?? remote.dir,
          branch: spec.branch ?? "main",
          commands: spec.commands,
          env: { OUT: out, ...spec.env },
          secrets: spec.secrets ?? {},
          timeout: spec.timeout ?? 120,
          concurrency: spec.concurrency ?? 1,
        },
      ]),
    );
    const config = makeConfig({
      ...options.config,
      data_dir: dataDir,
      runner: {
        concurrency: options.runnerConcurrency ?? 4,
        log_limit: options.logLimit ?? 1_000_000,
        writable_paths: [out],
        ...options.runner,
      },
      repos,
    });
    const events = new EventLog();
    const backend = new LocalBackend({
      config,
      mirrors: options.mirrors?.(dataDir) ?? new GitMirrors({ dataDir, pullRequestHeads: () => null }),
      sink: events.sink,
      killGraceMs: 300,
      ...(options.sandbox ? { sandbox: options.sandbox(config) } : {}),
      ...options.backend,
    });
    return new Harness(events, remote, dataDir, out, config, backend);
  }

  repo(name: string): RepoConfig {
    const repo = this.config.repos[name];
    if (!repo) throw new Error(`no repo ${name} in the harness`);
    return repo;
  }

  /** A stored-looking queued Build, with ids increasing like the store's. */
  newBuild(repo: string, fields: Partial<Build> = {}): Build {
    return makeBuild({
      id: this.#nextId++,
      repo,
      sha: null,
      requesterId: "u-alice",
      channelId: "c-ci",
      channelName: "ci",
      status: "queued",
      createdAt: 1000,
      startedAt: null,
      ...fields,
    });
  }

  /** Starts a build and returns it; await `events.finished(build.id)` for its end. */
  async start(repo: string, fields: Partial<Build> = {}): Promise<Build> {
    const build = this.newBuild(repo, fields);
    await this.backend.start(build, this.repo(repo));
    return build;
  }

  async run(repo: string, fields: Partial<Build> = {}): Promise<FinishedEvent> {
    const build = await this.start(repo, fields);
    return this.events.finished(build.id);
  }

  readOut(name: string): Promise<string> {
    return readFile(path.join(this.out, name), "utf8");
  }

  outExists(name: string): boolean {
    return existsSync(path.join(this.out, name));
  }

  /** Waits for a command to write `name` into $OUT (polling the file system, no deadline). */
  async waitForOut(name: string): Promise<string> {
    while (!this.outExists(name) || (await this.readOut(name)).trim() === "") {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return (await this.readOut(name)).trim();
  }

  async close(): Promise<void> {
    await this.backend.close();
    await this.remote.remove();
    await removeDir(this.dataDir);
    await removeDir(this.out);
  }
}

export { processAlive } from "../../../helpers/process-alive.js";
