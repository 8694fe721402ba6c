import type { FinalStatus, StepStatus } from "../../core/build.js";
import { isFullCommitId } from "../../core/commit-id.js";
import type { BuildEvent } from "../../core/events.js";
import { type BbBuild, type BbBuildRequest, type BbStep, propertyOf, RESULTS } from "./buildbot-types.js";
import { CHECKOUT_STEP } from "./step-names.js";

/**
 * Turns what Buildbot says about a build into the BuildEvents slashbuild has not emitted yet.
 * Push and reconcile both end here, so the two can overlap and repeat freely: the tracked state
 * records what was already said, and only differences become events. Pure: no I/O, no clock.
 */

/** What slashbuild has already been told about one Buildbot build. */
export interface TrackedState {
  readonly buildId: number;
  readonly status: "queued" | "running";
  /** Per slashbuild step index. */
  readonly steps: readonly StepStatus[];
  /** The Buildbot build last reported through an `external` event, if any. */
  readonly bbBuildId: number | null;
  /** When the build was reported started (epoch ms), the floor of every later time. */
  readonly startedAt?: number | null;
}

export interface Observation {
  readonly request: BbBuildRequest | null;
  /** The newest Buildbot build for the request (a retried request gets a new build). */
  readonly build: BbBuild | null;
  readonly steps: readonly BbStep[];
}

export interface MapContext {
  /** slashbuild's step names for the repo (what `started` announces). */
  readonly stepNames: readonly string[];
  /** Buildbot step name → slashbuild step index. */
  readonly stepIndex: ReadonlyMap<string, number>;
  readonly masterUrl: string;
  /** Epoch ms, for facts Buildbot gives no time for, and to refine its whole seconds. */
  readonly now: number;
  /** When slashbuild created the build (epoch ms): nothing Buildbot did for it came earlier. */
  readonly createdAt?: number;
}

/**
 * Buildbot's whole-second timestamp as epoch ms, finer where slashbuild's clock can tell: a fact read
 * within the second it happened (a push, a close follow) happened at about `now`. Never earlier than
 * `floor`: a build does not start before it was asked for, nor finish before it started, whatever
 * rounding (or a master's clock a little behind) says.
 */
export function fineTime(seconds: number, now: number, floor: number): number {
  const whole = seconds * 1000;
  const at = now >= whole && now < whole + 1000 ? now : whole;
  return Math.max(at, floor);
}

export interface MapResult {
  readonly events: BuildEvent[];
  /** null once the build is finished: nothing left to track. */
  readonly state: TrackedState | null;
}

/** Buildbot's results → a final status, or null while the result is not final (running, retry). */
export function mapResults(results: number | null | undefined): FinalStatus | null {
  switch (results) {
    case RESULTS.SUCCESS:
    case RESULTS.WARNINGS:
      return "succeeded";
    case RESULTS.FAILURE:
    case RESULTS.EXCEPTION:
      return "failed";
    case RESULTS.SKIPPED:
    case RESULTS.CANCELLED:
      return "cancelled";
    default:
      // RETRY: Buildbot puts the request back and runs a new build for it; wait for that one.
      return null;
  }
}

export function mapStepResults(results: number | null | undefined): StepStatus {
  switch (results) {
    case RESULTS.SUCCESS:
    case RESULTS.WARNINGS:
      return "succeeded";
    case RESULTS.SKIPPED:
      return "skipped";
    case RESULTS.CANCELLED:
      return "cancelled";
    default:
      return "failed";
  }
}

/** Buildbot's own page for a build (its UI routes are hash-based). */
function buildbotBuildUrl(masterUrl: string, builderid: number, number: number): string {
  return `${masterUrl}/#/builders/${builderid}/builds/${number}`;
}

/** The commit built: got_revision (set by the checkout), else a full revision property or sourcestamp. */
export function resolvedSha(build: BbBuild): string | null {
  const candidates = [
    propertyOf(build, "got_revision"),
    propertyOf(build, "revision"),
    ...(build.buildset?.sourcestamps ?? []).map((ss) => ss.revision),
  ];
  for (const value of candidates) {
    if (isFullCommitId(value)) return value;
  }
  return null;
}

function externalRefs(build: BbBuild, masterUrl: string, request: BbBuildRequest | null) {
  return {
    url: buildbotBuildUrl(masterUrl, build.builderid, build.number),
    buildid: build.buildid,
    builderid: build.builderid,
    number: build.number,
    buildrequestid: build.buildrequestid,
    ...(request
      ? { buildsetid: request.buildsetid }
      : build.buildset
        ? { buildsetid: build.buildset.bsid }
        : {}),
  };
}

export function observe(state: TrackedState, seen: Observation, ctx: MapContext): MapResult {
  const { build, request } = seen;
  const events: BuildEvent[] = [];
  const id = state.buildId;

  if (!build) {
    // Stopped (or otherwise ended) while still a build request: no build will ever come.
    const status = request?.complete ? (mapResults(request.results) ?? "cancelled") : null;
    if (!status) return { events, state };
    const floor = state.startedAt ?? ctx.createdAt ?? 0;
    const at = request?.complete_at
      ? fineTime(request.complete_at, ctx.now, floor)
      : Math.max(ctx.now, floor);
    const reason = "Buildbot ended the build request before any worker started it.";
    events.push({ type: "finished", buildId: id, at, status, reason });
    return { events, state: null };
  }

  let next: TrackedState = state;
  const external = externalRefs(build, ctx.masterUrl, request);
  if (state.bbBuildId !== build.buildid) {
    events.push({ type: "external", buildId: id, at: ctx.now, external });
    next = { ...next, bbBuildId: build.buildid };
  }

  const final = build.complete ? mapResults(build.results) : null;
  if (build.complete && !final) return { events, state: next }; // retried: a new build follows

  const sha = resolvedSha(build);
  // The sha comes from the checkout (got_revision). The build and its steps are read in two
  // requests, so a finished checkout may be seen before its property: wait for a later step
  // before announcing a start without a sha (a master whose builders do not check out).
  const begun = seen.steps.some(
    (s) => s.complete && s.name !== "worker_preparation" && s.name !== CHECKOUT_STEP,
  );
  if (next.status === "queued" && (sha !== null || begun || build.complete)) {
    const floor = ctx.createdAt ?? 0;
    // Seen only once finished, the start was not "now": only its second (and the floor) is known.
    const readAt = build.complete ? Number.NaN : ctx.now;
    const at = build.started_at ? fineTime(build.started_at, readAt, floor) : Math.max(ctx.now, floor);
    events.push({ type: "started", buildId: id, at, sha: sha ?? "", steps: ctx.stepNames });
    next = { ...next, status: "running", steps: ctx.stepNames.map(() => "pending"), startedAt: at };
  }

  const begin = next.startedAt ?? ctx.createdAt ?? 0;
  if (next.status === "running") {
    const steps = [...next.steps];
    for (const step of [...seen.steps].sort((a, b) => a.number - b.number)) {
      const index = ctx.stepIndex.get(step.name);
      if (index === undefined || index >= steps.length) continue;
      if (steps[index] === "pending" && step.started_at) {
        events.push({
          type: "step_started",
          buildId: id,
          at: fineTime(step.started_at, ctx.now, begin),
          index,
        });
        steps[index] = "running";
      }
      if (step.complete && (steps[index] === "pending" || steps[index] === "running")) {
        const status = mapStepResults(step.results);
        const at = step.complete_at ? fineTime(step.complete_at, ctx.now, begin) : Math.max(ctx.now, begin);
        events.push({ type: "step_finished", buildId: id, at, index, status, exitCode: null });
        steps[index] = status;
      }
    }
    next = { ...next, steps };
  }

  if (!final) return { events, state: next };

  const failing = final === "failed" ? failingStep(seen.steps, ctx) : null;
  const timedOut = failing !== null && /timed out|timeout/i.test(failing.step.state_string ?? "");
  const shutdown = final === "cancelled" && masterShutDown(build);
  events.push({
    type: "finished",
    buildId: id,
    at: build.complete_at ? fineTime(build.complete_at, ctx.now, begin) : Math.max(ctx.now, begin),
    status: shutdown ? "interrupted" : timedOut ? "timed_out" : final,
    failingStep: failing?.name ?? null,
    reason: shutdown
      ? `the Buildbot master shut down while it ran (Buildbot: ${build.state_string}); nobody cancelled it. Run it again once the master is back.`
      : finishReason(build, final, failing !== null),
    external,
  });
  return { events, state: null };
}

/**
 * A master that shuts down stops its builds with the fixed reason "Master Shutdown" (Buildbot's
 * botmaster.cleanShutdown); the build then ends cancelled, though no person cancelled it.
 */
function masterShutDown(build: BbBuild): boolean {
  return /\(Master Shutdown\)/.test(build.state_string ?? "");
}

/** The first visible step that failed, by slashbuild's name when it is one of ours. */
function failingStep(steps: readonly BbStep[], ctx: MapContext): { name: string; step: BbStep } | null {
  const failed = [...steps]
    .sort((a, b) => a.number - b.number)
    .find(
      (s) => s.complete && (s.results === RESULTS.FAILURE || s.results === RESULTS.EXCEPTION) && !s.hidden,
    );
  if (!failed) return null;
  const index = ctx.stepIndex.get(failed.name);
  return { name: (index === undefined ? undefined : ctx.stepNames[index]) ?? failed.name, step: failed };
}

/** A sentence for results no failing step explains; Buildbot's state string says what happened. */
function finishReason(build: BbBuild, status: FinalStatus, explainedByStep: boolean): string | null {
  const state = build.state_string ?? "";
  if (build.results === RESULTS.EXCEPTION)
    return `Buildbot hit an exception: ${state || "see its build page"}`;
  if (build.results === RESULTS.SKIPPED) return "Buildbot skipped the build.";
  if (status === "cancelled" && state) return `Buildbot: ${state}`;
  if (status === "failed" && !explainedByStep && state) return `Buildbot: ${state}`;
  return null;
}
