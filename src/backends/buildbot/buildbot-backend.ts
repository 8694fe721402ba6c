import type { Logger } from "pino";
import type { BuildbotConfig } from "../../config/buildbot-schema.js";
import type { Config, RepoConfig } from "../../config/config.js";
import type { Build, StepStatus } from "../../core/build.js";
import type { BuildEventSink } from "../../core/events.js";
import type { BuildBackend, Clock, StartOutcome } from "../../core/ports.js";
import { BuildbotClient, UnconfirmedRequest } from "./buildbot-client.js";
import { CORRELATION_PROPERTY } from "./buildbot-properties.js";
import { type BbBuild, type BbBuildRequest, bbBuildSchema, propertyOf } from "./buildbot-types.js";
import { type Observation, observe, type TrackedState } from "./map-build-state.js";
import { commandsRun, slashbuildStepNames, stepIndexByName } from "./step-names.js";
import { triggerBuild } from "./trigger-build.js";

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

interface Tracked {
  readonly repo: RepoConfig;
  readonly createdAt: number;
  buildrequestid: number | null;
  /** When the trigger went out unanswered (UnconfirmedRequest); null once the master shows the build. */
  unconfirmedAt: number | null;
  /** Since when the master has answered searches for an unconfirmed build without finding it. */
  absentSince: number | null;
  state: TrackedState;
  /** Serialises syncs of one build so push and reconcile never emit the same change twice. */
  chain: Promise<void>;
}

/** How far back change-hook correlation looks among the master's newest builds. */
const RECENT_BUILDS = 100;
/** Tolerated clock difference between slashbuild and the master when matching by property. */
const CLOCK_SLACK_S = 120;
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
    let triggered: Awaited<ReturnType<typeof triggerBuild>>;
    try {
      triggered = await triggerBuild(this.client, this.#bb, build, repo);
    } catch (error) {
      if (error instanceof UnconfirmedRequest) return this.#unconfirmed(build, tracked, error);
      this.#tracked.delete(build.id);
      throw error;
    }
    if (triggered.buildrequestid !== null) tracked.buildrequestid ??= triggered.buildrequestid;
    this.#sink({
      type: "external",
      buildId: build.id,
      at: this.#clock(),
      external: { trigger: this.#bb.trigger, ...compact(triggered) },
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
    const id = this.#correlate(parsed.data);
    if (id === null) return false;
    await this.#sync(id, parsed.data);
    return true;
  }

  /** Builds slashbuild is following, for tests and diagnostics. */
  get trackedIds(): number[] {
    return [...this.#tracked.keys()];
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.allSettled([...this.#tracked.values()].map((t) => t.chain));
  }

  #track(build: Build, configured: RepoConfig): Tracked {
    const repo = { ...configured, commands: commandsRun(build, configured) };
    const names = slashbuildStepNames(repo.commands);
    const steps: StepStatus[] = names.map((_, i) => build.steps[i]?.status ?? "pending");
    const external = build.external;
    const tracked: Tracked = {
      repo,
      createdAt: build.createdAt,
      buildrequestid: numberOr(external.buildrequestid),
      unconfirmedAt: numberOr(external.unconfirmed_at),
      absentSince: null,
      state: {
        buildId: build.id,
        status: build.status === "running" ? "running" : "queued",
        steps,
        bbBuildId: numberOr(external.buildid),
        startedAt: build.startedAt,
      },
      chain: Promise.resolve(),
    };
    this.#tracked.set(build.id, tracked);
    return tracked;
  }

  /** Push → tracked build: by build request id, else by the correlation property (change hook). */
  #correlate(build: BbBuild): number | null {
    for (const [id, tracked] of this.#tracked) {
      if (tracked.buildrequestid === build.buildrequestid) return id;
    }
    const id = Number(propertyOf(build, CORRELATION_PROPERTY));
    const tracked = Number.isInteger(id) ? this.#tracked.get(id) : undefined;
    if (!tracked || !this.#plausible(tracked, build)) return null;
    return id;
  }

  /**
   * A property match only counts for a build that has no request id yet and for a Buildbot build
   * not older than it: an old Buildbot build from a previous slashbuild database with the same id
   * must not be taken for this one.
   */
  #plausible(tracked: Tracked, build: BbBuild): boolean {
    if (tracked.buildrequestid !== null && tracked.buildrequestid !== build.buildrequestid) return false;
    return build.started_at == null || build.started_at >= tracked.createdAt / 1000 - CLOCK_SLACK_S;
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
      seen = await this.#observe(tracked, pushed);
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
      now: this.#clock(),
      createdAt: tracked.createdAt,
    });
    if (seen.build) tracked.buildrequestid ??= seen.build.buildrequestid;
    if (tracked.unconfirmedAt !== null) {
      if (!this.#settleUnconfirmed(id, tracked, seen)) return;
    }
    if (result.state) tracked.state = result.state;
    else this.#tracked.delete(id);
    for (const event of result.events) this.#sink(event);
  }

  /**
   * For a build whose trigger was not confirmed: once the master shows it, it is an ordinary build
   * (its ids are recorded, so a restart finds it); while the master answers without it, count; after
   * NEVER_ARRIVED_AFTER_MS it never arrived. Returns whether to go on applying the observation.
   */
  #settleUnconfirmed(id: number, tracked: Tracked, seen: Observation): boolean {
    const request = seen.request ?? null;
    if (request || seen.build) {
      tracked.unconfirmedAt = null;
      tracked.absentSince = null;
      const brid = request?.buildrequestid ?? seen.build?.buildrequestid ?? null;
      tracked.buildrequestid ??= brid;
      this.#sink({
        type: "external",
        buildId: id,
        at: this.#clock(),
        external: {
          unconfirmed_at: null,
          ...(brid !== null ? { buildrequestid: brid } : {}),
          ...(request ? { buildsetid: request.buildsetid } : {}),
        },
      });
      return true;
    }
    const now = this.#clock();
    tracked.absentSince ??= now;
    if (now - tracked.absentSince < this.#neverArrivedAfterMs) return false;
    this.#tracked.delete(id);
    const seconds = Math.round((now - tracked.absentSince) / 1000);
    this.#sink({
      type: "finished",
      buildId: id,
      at: now,
      status: "failed",
      reason:
        `Buildbot never received this build: its master answered for ${seconds}s without any build request ` +
        `carrying ${CORRELATION_PROPERTY}=${id}, so nothing ran. Running /build again is safe.`,
    });
    return false;
  }

  async #observe(tracked: Tracked, pushed?: BbBuild): Promise<Observation> {
    let brid = tracked.buildrequestid ?? (pushed ? pushed.buildrequestid : null);
    if (brid === null) brid = (await this.#findByProperty(tracked))?.buildrequestid ?? null;
    // A force that was not confirmed may wait as a request no worker took yet: look there too.
    if (brid === null && tracked.unconfirmedAt !== null)
      brid = (await this.#findRequestByProperty(tracked))?.buildrequestid ?? null;
    if (brid === null) return { request: null, build: null, steps: [] };
    const [request, builds] = await Promise.all([
      this.client.buildRequest(brid),
      this.client.buildsForRequest(brid),
    ]);
    const build = builds.at(-1) ?? null;
    const steps = build ? await this.client.steps(build.buildid) : [];
    return { request, build, steps };
  }

  /** Change-hook builds answer no ids: look for the correlation property among recent builds. */
  async #findByProperty(tracked: Tracked): Promise<BbBuild | null> {
    const recent = await this.client.recentBuilds(RECENT_BUILDS, CORRELATION_PROPERTY);
    const id = String(tracked.state.buildId);
    const matches = recent.filter(
      (b) => propertyOf(b, CORRELATION_PROPERTY) === id && this.#plausible(tracked, b),
    );
    return matches.sort((a, b) => a.buildid - b.buildid)[0] ?? null;
  }

  async #findRequestByProperty(tracked: Tracked): Promise<BbBuildRequest | null> {
    const recent = await this.client.recentBuildRequests(RECENT_BUILDS, CORRELATION_PROPERTY);
    const id = String(tracked.state.buildId);
    const matches = recent.filter(
      (r) =>
        propertyOf(r, CORRELATION_PROPERTY) === id &&
        (r.submitted_at == null || r.submitted_at >= tracked.createdAt / 1000 - CLOCK_SLACK_S),
    );
    return matches.sort((a, b) => a.buildrequestid - b.buildrequestid)[0] ?? null;
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

function numberOr(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) ? value : null;
}

function compact(record: {
  readonly buildsetid: number | null;
  readonly buildrequestid: number | null;
}): Record<string, number> {
  return Object.fromEntries(
    Object.entries(record).filter((entry): entry is [string, number] => entry[1] !== null),
  );
}
