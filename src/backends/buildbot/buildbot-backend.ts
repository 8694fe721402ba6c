import type { Logger } from "pino";
import type { BuildbotConfig } from "../../config/buildbot-schema.js";
import type { Config, RepoConfig } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import type { BuildEventSink } from "../../core/events.js";
import type { BuildBackend, Clock, StartOutcome } from "../../core/ports.js";
import { UnconfirmedRequest } from "./buildbot-answers.js";
import { BuildbotClient } from "./buildbot-client.js";
import { type BbBuild, bbBuildSchema } from "./buildbot-types.js";
import { correlate, observeOnMaster } from "./find-on-master.js";
import { type Observation, observe } from "./map-build-state.js";
import { settleUnconfirmed } from "./settle-unconfirmed.js";
import { slashbuildStepNames, stepIndexByName } from "./step-names.js";
import { type Tracked, trackBuild } from "./tracked-build.js";
import { triggerBuild } from "./trigger-build.js";
import { WebUiCheck } from "./web-ui-check.js";

export interface BuildbotBackendOptions {
  readonly config: Config;
  readonly buildbot: BuildbotConfig;
  readonly sink: BuildEventSink;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How long the master must answer without a trace of an unconfirmed build before it "never arrived". */
  readonly neverArrivedAfterMs?: number;
}

/**
 * An unconfirmed trigger "never arrived" once the master has answered for this long without any
 * build request carrying the build's id. A master that answers reads its pending requests first (a
 * paused one reads the unanswered force as soon as it resumes, and the force creates its request
 * before it answers), so a minute of answers without a trace means it is not coming.
 */
const NEVER_ARRIVED_AFTER_MS = 60_000;

/**
 * Builds on a Buildbot master. `start` triggers (force scheduler or change hook) and tracks the
 * build; status arrives by HttpStatusPush (`handleStatusPush`) and by reconcile over REST
 * (periodically and in `recover`). Both run the same sync, so a lost push changes nothing.
 */
export class BuildbotBackend implements BuildBackend {
  readonly name = "buildbot" as const;
  readonly client: BuildbotClient;
  readonly #bb: BuildbotConfig;
  readonly #sink: BuildEventSink;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #tracked = new Map<number, Tracked>();
  readonly #neverArrivedAfterMs: number;
  readonly #webUi: WebUiCheck;
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;
  #lastReconcile = 0;
  #closed = false;

  constructor(options: BuildbotBackendOptions) {
    this.#bb = options.buildbot;
    this.#sink = options.sink;
    this.#clock = options.clock ?? Date.now;
    this.#logger = options.logger;
    this.#neverArrivedAfterMs = options.neverArrivedAfterMs ?? NEVER_ARRIVED_AFTER_MS;
    this.client = new BuildbotClient({
      url: options.buildbot.url,
      username: options.buildbot.username,
      password: options.buildbot.password,
      timeoutMs: options.buildbot.requestTimeoutMs,
      triggerTimeoutMs: options.buildbot.triggerTimeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.#webUi = new WebUiCheck({
      buildbot: options.buildbot,
      fetch: options.fetch,
      logger: options.logger,
    });
  }

  async start(build: Build, repo: RepoConfig): Promise<StartOutcome> {
    // Track before triggering: the start push can arrive before the force call returns.
    const tracked = this.#track(build, repo);
    // Handed over before a restart (a deploy the master had not started yet, relaunched by
    // core/deploys): follow it there; forcing it again would deploy twice.
    if (typeof build.external.trigger === "string") {
      this.#ensureTimer();
      await this.#sync(build.id);
      return { confirmed: true };
    }
    // Stored before the trigger goes out, as if it were already unconfirmed: should slashbuild die
    // before the master's answer is stored, the next start finds a trigger (above, or in recover)
    // and looks for the build by its correlation property instead of forcing it a second time
    // (a deploy run twice); a trigger that never reached the master is reported as never arrived.
    const sentAt = this.#clock();
    this.#sink({
      type: "external",
      buildId: build.id,
      at: sentAt,
      external: { trigger: this.#bb.trigger, unconfirmed_at: sentAt },
    });
    let triggered: Awaited<ReturnType<typeof triggerBuild>>;
    try {
      triggered = await triggerBuild(this.client, this.#bb, build, repo);
    } catch (error) {
      if (error instanceof UnconfirmedRequest) return this.#unconfirmed(build, tracked, error);
      this.#tracked.delete(build.id);
      // The master answered, and refused: nothing there to look for.
      this.#sink({
        type: "external",
        buildId: build.id,
        at: this.#clock(),
        external: { trigger: null, unconfirmed_at: null },
      });
      throw error;
    }
    if (triggered.buildrequestid !== null) tracked.buildrequestid ??= triggered.buildrequestid;
    this.#sink({
      type: "external",
      buildId: build.id,
      at: this.#clock(),
      external: { trigger: this.#bb.trigger, unconfirmed_at: null, ...compact(triggered) },
    });
    this.#ensureTimer();
    return { confirmed: true };
  }

  /**
   * The trigger went out and no answer came: the master may run it (a paused master does, once it
   * resumes). Not a failure, and never a reason to ask for a retry that could run it twice: keep
   * tracking by the correlation property until reconcile sees it, or decides it never arrived.
   */
  #unconfirmed(build: Build, tracked: Tracked, error: UnconfirmedRequest): StartOutcome {
    const at = this.#clock();
    tracked.unconfirmedAt = at;
    this.#logger?.warn({ err: error, buildId: build.id }, "buildbot: trigger unconfirmed; tracking it");
    this.#sink({
      type: "external",
      buildId: build.id,
      at,
      external: { trigger: this.#bb.trigger, unconfirmed_at: at },
    });
    this.#ensureTimer();
    const after = Math.round(this.#neverArrivedAfterMs / 1000);
    return {
      confirmed: false,
      note:
        `${error.message}, so it may be running already or start once the master catches up. ` +
        `Do not run /build again for it: slashbuild keeps looking for it on the master and posts in the channel whether it ran, ` +
        `or that it never arrived (after the master has answered for ${after}s without it; only then is building again safe).`,
    };
  }

  async stop(build: Build, repo: RepoConfig, requestedBy: string): Promise<void> {
    const tracked = this.#tracked.get(build.id) ?? this.#track(build, repo);
    await this.#sync(build.id);
    if (!this.#tracked.has(build.id)) return; // it finished meanwhile: the finish is already reported
    const reason = `stopped from chat by @${requestedBy}`;
    if (tracked.state.bbBuildId !== null) await this.client.stopBuild(tracked.state.bbBuildId, reason);
    else if (tracked.buildrequestid !== null)
      await this.client.cancelBuildRequest(tracked.buildrequestid, reason);
    else {
      // Change hook, and no Buildbot build carries this id yet: nothing on the master to stop.
      this.#tracked.delete(build.id);
      this.#sink({ type: "finished", buildId: build.id, at: this.#clock(), status: "cancelled", reason });
      return;
    }
    await this.#sync(build.id);
  }

  async recover(builds: readonly Build[], repos: Readonly<Record<string, RepoConfig>>): Promise<void> {
    for (const build of builds) {
      const repo = Object.hasOwn(repos, build.repo) ? repos[build.repo] : undefined;
      if (repo) this.#track(build, repo);
    }
    await this.reconcile();
    this.#ensureTimer();
  }

  /** Asks the master about every unfinished build slashbuild tracks. Errors are logged, not thrown. */
  async reconcile(): Promise<void> {
    await Promise.all([...this.#tracked.keys()].map((id) => this.#sync(id)));
  }

  /**
   * An authenticated HttpStatusPush post (the route checks the secret). Returns whether it concerned
   * a build slashbuild tracks. The push says which Buildbot build changed; REST then gives its steps.
   * If REST fails, the push alone still moves the build on.
   */
  async handleStatusPush(payload: unknown): Promise<boolean> {
    const parsed = bbBuildSchema.safeParse(payload);
    if (!parsed.success) return false;
    const id = correlate(this.#tracked, parsed.data);
    if (id === null) return false;
    await this.#sync(id, parsed.data);
    return true;
  }

  /** Builds slashbuild is following, for tests and diagnostics. */
  get trackedIds(): number[] {
    return [...this.#tracked.keys()];
  }

  #track(build: Build, repo: RepoConfig): Tracked {
    const tracked = trackBuild(build, repo);
    this.#tracked.set(build.id, tracked);
    return tracked;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.allSettled([...this.#tracked.values()].map((t) => t.chain));
  }

  #sync(id: number, pushed?: BbBuild): Promise<void> {
    const tracked = this.#tracked.get(id);
    // After close the service may be closing its database: nothing more is reported.
    if (!tracked || this.#closed) return Promise.resolve();
    tracked.chain = tracked.chain.then(() => this.#syncNow(id, tracked, pushed));
    return tracked.chain;
  }

  async #syncNow(id: number, tracked: Tracked, pushed?: BbBuild): Promise<void> {
    if (this.#tracked.get(id) !== tracked) return;
    let seen: Observation;
    try {
      seen = await observeOnMaster(this.client, tracked, pushed);
    } catch (error) {
      this.#logger?.warn(
        { err: error, buildId: id, url: this.#bb.url, configKey: "buildbot.url" },
        `could not read build #${id} from Buildbot at ${this.#bb.url}; will retry (check buildbot.url, buildbot.username and buildbot.password)`,
      );
      if (!pushed) return;
      seen = { request: null, build: pushed, steps: [] };
    }
    const result = observe(tracked.state, seen, {
      stepNames: slashbuildStepNames(tracked.repo.commands),
      stepIndex: stepIndexByName(tracked.repo.commands),
      masterUrl: this.#bb.url,
      webUi: await this.#webUi.known(),
      now: this.#clock(),
      createdAt: tracked.createdAt,
    });
    if (seen.build) tracked.buildrequestid ??= seen.build.buildrequestid;
    if (tracked.unconfirmedAt !== null) {
      const settled = settleUnconfirmed(id, tracked, seen, this.#clock(), this.#neverArrivedAfterMs);
      if (settled.verdict === "never_arrived") this.#tracked.delete(id);
      for (const event of settled.events) this.#sink(event);
      if (settled.verdict !== "seen") return;
    }
    if (result.state) tracked.state = result.state;
    else this.#tracked.delete(id);
    for (const event of result.events) this.#sink(event);
  }

  /**
   * One timer, two cadences: builds Buildbot is running are followed closely (HttpStatusPush only
   * reports starts and finishes, and the sha is known only after the checkout step); every
   * unfinished build is reconciled less often, which is what recovers lost pushes.
   */
  #ensureTimer(): void {
    if (this.#timer || this.#closed) return;
    this.#lastReconcile = this.#clock();
    const every = Math.min(this.#bb.followIntervalMs, this.#bb.reconcileIntervalMs);
    this.#timer = setInterval(() => void this.#tick(), every);
    // Polling never keeps the process alive on its own; main decides when to exit.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return; // a slow master: skip a beat rather than pile up requests
    this.#ticking = true;
    try {
      if (this.#clock() - this.#lastReconcile >= this.#bb.reconcileIntervalMs) {
        this.#lastReconcile = this.#clock();
        await this.reconcile();
      } else {
        // Unconfirmed triggers are followed closely too: the person was told to wait for the answer.
        const running = [...this.#tracked]
          .filter(([, t]) => t.state.bbBuildId !== null || t.unconfirmedAt !== null)
          .map(([id]) => id);
        await Promise.all(running.map((id) => this.#sync(id)));
      }
    } finally {
      this.#ticking = false;
    }
  }
}

function compact(record: {
  readonly buildsetid: number | null;
  readonly buildrequestid: number | null;
}): Record<string, number> {
  return Object.fromEntries(
    Object.entries(record).filter((entry): entry is [string, number] => entry[1] !== null),
  );
}
