import { Cron } from "croner";
import type { EnvironmentConfig } from "../config/config.js";
import type { FreezeState } from "../core/deploys/deploy.js";
import type { FreezeCalendar } from "../core/deploys/ports.js";

/**
 * An environment's freezes (GitLab's deploy freezes, Argo CD's sync windows), from its `freeze:`
 * cron patterns: every minute a pattern matches, in the environment's time zone, is frozen. So
 * `"* * * * 5-6"` freezes Friday and Saturday, `"* 18-23 * * *"` every evening. croner reads the
 * patterns (config/ checked them at load); patterns are made once per environment and kept, and
 * the answer is kept for the minute it is about: finding the end of a freeze walks minutes (about
 * 10 µs each), and every request of that minute gets the same answer.
 */

const MINUTE = 60_000;
/** How far ahead the end of a freeze is looked for (a pattern may freeze for good). */
const UNTIL_HORIZON_MINUTES = 7 * 24 * 60;

export function freezeWindows(): FreezeCalendar {
  const patterns = new Map<EnvironmentConfig, readonly Cron[]>();
  const answers = new Map<EnvironmentConfig, { readonly minute: number; readonly state: FreezeState }>();
  const cronsOf = (environment: EnvironmentConfig): readonly Cron[] => {
    let crons = patterns.get(environment);
    if (!crons) {
      const options = { paused: true, ...(environment.timezone ? { timezone: environment.timezone } : {}) };
      crons = environment.freeze.map((pattern) => new Cron(pattern, options));
      patterns.set(environment, crons);
    }
    return crons;
  };
  return {
    at(environment, now): FreezeState {
      const crons = cronsOf(environment);
      if (crons.length === 0) return { now: null, next: null };
      // Five-field patterns match at second 0: ask about the minute, not the instant.
      const minute = Math.floor(now / MINUTE) * MINUTE;
      const known = answers.get(environment);
      if (known?.minute === minute) return known.state;
      const state = stateAt(crons, minute);
      answers.set(environment, { minute, state });
      return state;
    },
  };
}

function stateAt(crons: readonly Cron[], minute: number): FreezeState {
  const frozen = crons.find((cron) => cron.match(new Date(minute)));
  if (frozen)
    return { now: { pattern: frozen.getPattern() ?? "", until: thawsAt(crons, minute) }, next: null };
  let next: FreezeState["next"] = null;
  for (const cron of crons) {
    const at = cron.nextRun(new Date(minute))?.getTime();
    if (at !== undefined && (next === null || at < next.at)) next = { pattern: cron.getPattern() ?? "", at };
  }
  return { now: null, next };
}

/** The first minute after `minute` that no pattern matches; null when none does within a week. */
function thawsAt(crons: readonly Cron[], minute: number): number | null {
  for (let step = 1; step <= UNTIL_HORIZON_MINUTES; step++) {
    const at = minute + step * MINUTE;
    if (!crons.some((cron) => cron.match(new Date(at)))) return at;
  }
  return null;
}
