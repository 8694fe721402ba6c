import { describe, expect, it } from "vitest";
import type { Build, BuildStatus, Step, StepStatus } from "../../../src/core/build.js";
import { type Announcement, nextBuild } from "../../../src/core/build-state-machine.js";
import type { BuildEvent } from "../../../src/core/events.js";
import { makeBuild } from "../../fakes/make-build.js";

const SHA = "f".repeat(40);

function step(index: number, status: StepStatus, name = `step ${index}`): Step {
  return {
    index,
    name,
    status,
    exitCode: null,
    startedAt: status === "pending" ? null : 100,
    finishedAt: null,
  };
}

/** A build in `status` with steps in the given states (none for queued). */
function at(status: BuildStatus, steps: StepStatus[] = []): Build {
  return makeBuild({
    id: 1,
    status,
    sha: status === "queued" ? null : SHA,
    startedAt: status === "queued" ? null : 100,
    finishedAt: status === "queued" || status === "running" ? null : 200,
    steps: steps.map((s, i) => step(i, s)),
  });
}

const e = {
  started: { type: "started", buildId: 1, at: 300, sha: SHA, steps: ["make", "make test"] },
  stepStarted: { type: "step_started", buildId: 1, at: 300, index: 0 },
  stepStartedNamed: { type: "step_started", buildId: 1, at: 300, index: 2, name: "upload" },
  stepFinished: { type: "step_finished", buildId: 1, at: 300, index: 0, status: "failed", exitCode: 2 },
  stepFinishedUnknown: {
    type: "step_finished",
    buildId: 1,
    at: 300,
    index: 7,
    status: "failed",
    exitCode: 2,
  },
  succeeded: { type: "finished", buildId: 1, at: 300, status: "succeeded" },
  failed: { type: "finished", buildId: 1, at: 300, status: "failed", failingStep: "make test" },
  timedOut: { type: "finished", buildId: 1, at: 300, status: "timed_out", failingStep: "make" },
  cancelled: { type: "finished", buildId: 1, at: 300, status: "cancelled", reason: "stopped by bob" },
  external: { type: "external", buildId: 1, at: 300, external: { url: "http://bb/1" } },
} satisfies Record<string, BuildEvent>;

type Row = [
  name: string,
  before: Build,
  event: BuildEvent,
  status: BuildStatus | "ignored",
  steps: StepStatus[],
  announce: Announcement,
];

// (state, event) → state: the build's status, its steps' statuses, and which status post follows.
// One row a line, aligned as a table: the formatter would spread each row over seven lines.
// biome-ignore format: a state table reads best with one transition per line
const TABLE: Row[] = [
  ["queued + started",                               at("queued"),                                       e.started,             "running",   ["pending", "pending"],                "started"],
  ["queued + finished (cancelled before it ran)",    at("queued"),                                       e.cancelled,           "cancelled", [],                                    "finished"],
  ["queued + failed (revision not found)",           at("queued"),                                       e.failed,              "failed",    [],                                    "finished"],
  ["queued + external",                              at("queued"),                                       e.external,            "queued",    [],                                    null],
  ["running + step started",                         at("running", ["pending", "pending"]),              e.stepStarted,         "running",   ["running", "pending"],                "progressed"],
  ["running + named new step",                       at("running", ["succeeded", "running"]),            e.stepStartedNamed,    "running",   ["succeeded", "running", "running"],   "progressed"],
  ["running + step finished",                        at("running", ["running", "pending"]),              e.stepFinished,        "running",   ["failed", "pending"],                 null],
  ["running + unknown step finished",                at("running", ["running"]),                         e.stepFinishedUnknown, "running",   ["running"],                           null],
  ["running + succeeded",                            at("running", ["succeeded", "succeeded"]),          e.succeeded,           "succeeded", ["succeeded", "succeeded"],            "finished"],
  ["running + failed",                               at("running", ["succeeded", "failed", "pending"]),  e.failed,              "failed",    ["succeeded", "failed", "skipped"],    "finished"],
  ["running + timed out",                            at("running", ["running", "pending"]),              e.timedOut,            "timed_out", ["timed_out", "skipped"],              "finished"],
  ["running + cancelled",                            at("running", ["succeeded", "running", "pending"]), e.cancelled,           "cancelled", ["succeeded", "cancelled", "skipped"], "finished"],
  ["running + started again (restart resets steps)", at("running", ["succeeded"]),                       e.started,             "running",   ["pending", "pending"],                "started"],
  ...(["succeeded", "failed", "cancelled", "timed_out", "interrupted"] as const).flatMap((final): Row[] =>
    Object.entries(e).map(
      ([name, event]): Row => [`${final} + ${name}`, at(final, ["succeeded"]), event, "ignored", [], null],
    ),
  ),
];

describe("the build state machine", () => {
  it.each(TABLE)("%s", (_name, before, event, status, steps, announce) => {
    const transition = nextBuild(before, event);
    if (status === "ignored") {
      expect(transition).toBeNull();
      return;
    }
    expect(transition?.build.status).toBe(status);
    expect(transition?.build.steps.map((s) => s.status)).toEqual(steps);
    expect(transition?.announce).toBe(announce);
  });

  it("records the commit and start time on start, and the end, step and reason on finish", () => {
    const started = nextBuild(at("queued"), e.started)?.build as Build;
    expect(started).toMatchObject({ sha: SHA, startedAt: 300, finishedAt: null });
    expect(started.steps.map((s) => s.name)).toEqual(["make", "make test"]);
    const failed = nextBuild(at("running", ["running"]), e.failed)?.build as Build;
    expect(failed).toMatchObject({ finishedAt: 300, failingStep: "make test", reason: null });
    expect(failed.steps[0]).toMatchObject({ status: "cancelled", finishedAt: 300 });
    expect(nextBuild(at("queued"), e.cancelled)?.build.reason).toBe("stopped by bob");
  });

  it("records a step's exit code and times, and a new step's name", () => {
    const finished = nextBuild(at("running", ["running"]), e.stepFinished)?.build as Build;
    expect(finished.steps[0]).toMatchObject({ exitCode: 2, finishedAt: 300 });
    const named = nextBuild(at("running", ["succeeded", "running"]), e.stepStartedNamed)?.build as Build;
    expect(named.steps[2]).toMatchObject({ index: 2, name: "upload", startedAt: 300 });
  });

  it("merges backend references, on their own or with the finish", () => {
    const before = makeBuild({ id: 1, status: "running", external: { buildsetId: 4 } });
    expect(nextBuild(before, e.external)?.build.external).toEqual({ buildsetId: 4, url: "http://bb/1" });
    const done = nextBuild(before, { ...e.succeeded, external: { buildId: 9 } })?.build;
    expect(done?.external).toEqual({ buildsetId: 4, buildId: 9 });
  });

  it("never changes the build it is given", () => {
    const before = at("running", ["running", "pending"]);
    const copy = structuredClone(before);
    nextBuild(before, e.failed);
    expect(before).toEqual(copy);
  });
});
