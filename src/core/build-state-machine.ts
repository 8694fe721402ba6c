import { type Build, isFinal, type Step } from "./build.js";
import type { BuildEvent } from "./events.js";

/**
 * The build state machine: what a backend event does to a Build, as a pure function, so every
 * backend gets the same rules and the rules can be tested as a table. The BuildService persists the
 * result and tells the notifier; nothing here touches a store.
 *
 * - Events for a final build are ignored (Buildbot's push and poll may both report the end).
 * - `started` moves a build to running with its commit and a fresh list of pending steps.
 * - `step_started` / `step_finished` change one step; a step first reported with a name is added
 *   (Buildbot discovers steps as it goes); an unknown step without a name is left alone.
 * - `finished` ends the build: pending steps become skipped, running ones cancelled (or timed out).
 * - `external` merges backend references.
 */

/** Which status post a transition calls for. */
export type Announcement = "started" | "progressed" | "finished" | null;

export interface Transition {
  readonly build: Build;
  readonly announce: Announcement;
}

/** The build after `event`, or null when the event changes nothing because the build is final. */
export function nextBuild(current: Build, event: BuildEvent): Transition | null {
  if (isFinal(current.status)) return null;
  switch (event.type) {
    case "started":
      return {
        build: {
          ...current,
          status: "running",
          sha: event.sha,
          startedAt: event.at,
          steps: event.steps.map((name, index) => pendingStep(index, name)),
        },
        announce: "started",
      };
    case "step_started":
      return {
        build: withStep(current, event.index, event.name, (step) => ({
          ...step,
          status: "running",
          startedAt: event.at,
        })),
        announce: "progressed",
      };
    case "step_finished":
      return {
        build: withStep(current, event.index, undefined, (step) => ({
          ...step,
          status: event.status,
          exitCode: event.exitCode,
          finishedAt: event.at,
        })),
        announce: null,
      };
    case "external":
      return { build: { ...current, external: { ...current.external, ...event.external } }, announce: null };
    case "finished":
      return {
        build: {
          ...current,
          status: event.status,
          finishedAt: event.at,
          failingStep: event.failingStep ?? null,
          reason: event.reason ?? null,
          external: event.external ? { ...current.external, ...event.external } : current.external,
          steps: current.steps.map((step): Step => {
            if (step.status === "pending") return { ...step, status: "skipped" };
            if (step.status === "running") {
              return {
                ...step,
                status: event.status === "timed_out" ? "timed_out" : "cancelled",
                finishedAt: event.at,
              };
            }
            return step;
          }),
        },
        announce: "finished",
      };
  }
}

function pendingStep(index: number, name: string): Step {
  return { index, name, status: "pending", exitCode: null, startedAt: null, finishedAt: null };
}

/** Changes step `index`; a step not yet known is added when the event names it, else nothing changes. */
function withStep(
  build: Build,
  index: number,
  name: string | undefined,
  change: (step: Step) => Step,
): Build {
  const known = build.steps.find((step) => step.index === index);
  if (!known && !name) return build;
  const base = known ?? pendingStep(index, name as string);
  const changed = change(name ? { ...base, name } : base);
  const steps = known
    ? build.steps.map((step) => (step.index === index ? changed : step))
    : [...build.steps, changed].sort((a, b) => a.index - b.index);
  return { ...build, steps };
}
