import { Cron } from "croner";
import type { Config, RepoConfig, ScheduleConfig } from "../config/config.js";
import type { BuildService } from "../core/build-service.js";
import type { Clock, ScheduleRuns } from "../core/ports.js";
import { decideScheduledRun } from "../core/triggers/decide-scheduled-run.js";

/**
 * Fires each repo's `on.schedule` entries at the times croner computes (in the schedule's time
 * zone). Time comes only from the injected clock and sleep, so tests drive it on a virtual clock.
 * When each schedule last fired is stored; at start-up a schedule whose next time passed while
 * slashbuild was down runs once (not once per missed time), then the normal rhythm resumes.
 */

/** Resolves after `ms`, or early once `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface SchedulerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SchedulerDeps {
  readonly config: Config;
  readonly service: Pick<BuildService, "requestBuild" | "listBuilds">;
  /** The branch's tip now (fetching first); null when the branch does not exist. */
  readonly tip: (repo: RepoConfig, branch: string) => Promise<string | null>;
  readonly runs: ScheduleRuns;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly logger: SchedulerLogger;
}

/** A long sleep is cut into pieces so a changed wall clock is noticed within this. */
const MAX_SLEEP_MS = 60 * 60_000;

interface Entry {
  readonly repo: RepoConfig;
  readonly schedule: ScheduleConfig;
  readonly cron: Cron;
}

export class Scheduler {
  readonly #deps: SchedulerDeps;
  readonly #entries: Entry[];
  #stop = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
    this.#entries = Object.values(deps.config.repos).flatMap((repo) =>
      (repo.on?.schedules ?? []).map((schedule) => ({
        repo,
        schedule,
        cron: new Cron(schedule.cron, {
          paused: true,
          ...(schedule.timezone ? { timezone: schedule.timezone } : {}),
        }),
      })),
    );
  }

  start(): void {
    if (this.#loop || this.#entries.length === 0) return;
    this.#stop = new AbortController();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    this.#loop = null;
    for (const entry of this.#entries) entry.cron.stop();
  }

  async #run(): Promise<void> {
    const { runs, clock } = this.#deps;
    const startedAt = clock();
    for (const { repo, schedule } of this.#entries) {
      // First start with this schedule: its rhythm begins now; nothing was missed.
      if (runs.lastRun(repo.name, schedule.name) === null) runs.record(repo.name, schedule.name, startedAt);
    }
    while (!this.#stop.signal.aborted) {
      const now = clock();
      let wait = MAX_SLEEP_MS;
      for (const entry of this.#entries) {
        const due = this.#due(entry);
        if (due === null) continue;
        if (due <= now) {
          // Recorded before the build starts: a crash mid-run must not fire it twice.
          runs.record(entry.repo.name, entry.schedule.name, now);
          await this.#fire(entry);
          wait = 0;
        } else {
          wait = Math.min(wait, due - now);
        }
      }
      if (wait > 0) await this.#deps.sleep(wait, this.#stop.signal);
    }
  }

  #due(entry: Entry): number | null {
    const last = this.#deps.runs.lastRun(entry.repo.name, entry.schedule.name) ?? this.#deps.clock();
    return entry.cron.nextRun(new Date(last))?.getTime() ?? null;
  }

  async #fire({ repo, schedule }: Entry): Promise<void> {
    const { logger } = this.#deps;
    try {
      const tip = await this.#deps.tip(repo, schedule.branch);
      const decision = decideScheduledRun(
        repo,
        schedule,
        tip,
        this.#deps.service.listBuilds({
          repo: repo.name,
          branch: schedule.branch,
          limit: 50,
        }),
      );
      if (decision.kind === "skip") {
        logger.info(
          { repo: repo.name, schedule: schedule.name, why: decision.why },
          "scheduled build skipped",
        );
        return;
      }
      const { build } = await this.#deps.service.requestBuild(decision.request);
      logger.info({ repo: repo.name, schedule: schedule.name, buildId: build.id }, "scheduled build started");
    } catch (error) {
      logger.warn(
        { repo: repo.name, schedule: schedule.name, err: error },
        "scheduled build could not start",
      );
    }
  }
}
