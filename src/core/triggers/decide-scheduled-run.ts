import type { RepoConfig, ScheduleConfig } from "../../config/config.js";
import type { Build } from "../build.js";
import type { BuildRequest } from "../build-admission.js";
import { triggeredRequest } from "./admit-forge-event.js";

/**
 * Whether a schedule that is due builds now: its branch must exist, and with `only_if_changed`
 * its tip must not have been built already (a build of that exact commit that ran, whatever its
 * result, or one queued or running). Cancelled and interrupted builds did not build it.
 */
export function decideScheduledRun(
  repo: RepoConfig,
  schedule: ScheduleConfig,
  tip: string | null,
  recent: readonly Build[],
): { kind: "run"; request: BuildRequest } | { kind: "skip"; why: string } {
  if (tip === null) return { kind: "skip", why: `branch ${schedule.branch} does not exist` };
  if (schedule.onlyIfChanged) {
    const built = recent.find(
      (build) =>
        (build.sha ?? build.requestedRevision) === tip &&
        build.status !== "cancelled" &&
        build.status !== "interrupted",
    );
    if (built) return { kind: "skip", why: `the tip ${tip.slice(0, 10)} was already built by #${built.id}` };
  }
  return {
    kind: "run",
    request: triggeredRequest(repo, schedule.branch, tip, { kind: "schedule", name: schedule.name }),
  };
}
