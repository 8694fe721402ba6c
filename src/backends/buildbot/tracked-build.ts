import type { RepoConfig } from "../../config/config.js";
import type { Build, StepStatus } from "../../core/build.js";
import type { TrackedState } from "./map-build-state.js";
import { commandsRun, slashbuildStepNames } from "./step-names.js";

/** A build slashbuild follows on the master, until it finishes. */
export interface Tracked {
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

/**
 * What is known of a build when tracking starts: its stored steps and the master's ids it recorded.
 * Its commands are the ones it runs: a deploy's are the repo's deploy commands (commandsRun).
 */
export function trackBuild(build: Build, configured: RepoConfig): Tracked {
  const repo = { ...configured, commands: commandsRun(build, configured) };
  const names = slashbuildStepNames(repo.commands);
  const steps: StepStatus[] = names.map((_, i) => build.steps[i]?.status ?? "pending");
  const external = build.external;
  return {
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
}

function numberOr(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) ? value : null;
}
