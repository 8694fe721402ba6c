import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import type { BuildService } from "../core/build-service.js";
import { isSlashbuildError } from "../core/errors.js";
import type { Clock } from "../core/ports.js";
import type { GitMirrors } from "../git/git-mirrors.js";
import { Scheduler, type Sleep } from "../schedules/scheduler.js";
import { SqliteScheduleRuns } from "../store/sqlite-schedule-runs.js";
import type { Storage } from "./open-storage.js";

/** Builds on schedule: croner's times, on the injected clock; last runs kept in SQLite. */
export function scheduleBuilds(
  config: Config,
  parts: {
    readonly service: BuildService;
    readonly mirrors: GitMirrors;
    readonly storage: Storage;
    readonly clock: Clock;
    readonly sleep: Sleep;
    readonly logger: Logger;
  },
): Scheduler {
  const { mirrors } = parts;
  return new Scheduler({
    config,
    service: parts.service,
    // A branch that is gone skips its run; any other failure is the scheduler's to log.
    tip: async (repo, branch) => {
      try {
        return await mirrors.resolve(repo, branch, null);
      } catch (error) {
        if (isSlashbuildError(error) && error.code === "BRANCH_UNKNOWN") return null;
        throw error;
      }
    },
    // When each schedule last fired, kept across restarts.
    runs: new SqliteScheduleRuns(parts.storage.db),
    clock: parts.clock,
    sleep: parts.sleep,
    logger: parts.logger,
  });
}

/** Clones mirrors in the background so the first /build of each repo is answered quickly. */
export function prepareMirrors(config: Config, mirrors: GitMirrors, logger: Logger): void {
  for (const repo of Object.values(config.repos)) {
    mirrors.branchExists(repo, repo.defaultBranch).catch((error: unknown) => {
      // GitMirrors logged the url and key already; this says the first /build will try again.
      logger.warn(
        { repo: repo.name, configKey: `repos.${repo.name}.url`, err: error },
        `could not prepare the mirror of ${repo.name} yet: the first /build of it will fetch again`,
      );
    });
  }
}
