import type { Build, Step } from "./build.js";
import type { BuildPatch, BuildStore } from "./ports.js";

/**
 * Writes what changed between `before` and `after` (a state machine transition) and returns the
 * build as stored. `freshSteps` (a `started` event): a fresh list of pending steps replaces
 * whatever was there.
 */
export function persistTransition(
  store: BuildStore,
  before: Build,
  after: Build,
  freshSteps: boolean,
): Build {
  const patch: { -readonly [K in keyof BuildPatch]: BuildPatch[K] } = {};
  for (const key of PATCHABLE) {
    if (before[key] !== after[key]) Object.assign(patch, { [key]: after[key] });
  }
  if (Object.keys(patch).length > 0) store.update(before.id, patch);
  if (freshSteps) {
    store.setSteps(
      before.id,
      after.steps.map((step) => step.name),
    );
  } else {
    for (const step of after.steps) {
      const old = before.steps.find((s) => s.index === step.index);
      const changes = stepChanges(old, step);
      if (changes) store.updateStep(before.id, step.index, changes);
    }
  }
  return store.get(before.id) as Build;
}

const PATCHABLE = ["status", "sha", "startedAt", "finishedAt", "failingStep", "reason", "external"] as const;
const STEP_FIELDS = ["name", "status", "exitCode", "startedAt", "finishedAt"] as const;

/** The fields of a step that differ; all of them (with its name, which creates the row) for a new step. */
function stepChanges(before: Step | undefined, after: Step): Partial<Omit<Step, "index">> | null {
  const changes: Record<string, unknown> = {};
  for (const key of STEP_FIELDS) {
    if (before === undefined || before[key] !== after[key]) changes[key] = after[key];
  }
  return Object.keys(changes).length > 0 ? (changes as Partial<Omit<Step, "index">>) : null;
}
