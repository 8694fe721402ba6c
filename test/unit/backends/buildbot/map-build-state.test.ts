import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type BbBuild,
  type BbStep,
  bbBuildSchema,
  bbStepSchema,
} from "../../../../src/backends/buildbot/buildbot-types.js";
import {
  fineTime,
  type MapContext,
  mapResults,
  mapStepResults,
  observe,
  resolvedSha,
  type TrackedState,
} from "../../../../src/backends/buildbot/map-build-state.js";
import { slashbuildStepNames, stepIndexByName } from "../../../../src/backends/buildbot/step-names.js";

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/buildbot/${name}`, import.meta.url), "utf8"));
}

const SHA = "7139369b423195e5ad5b1a2cc934545704b06dae";
const commands = ["make", "make test"];
const ctx: MapContext = {
  stepNames: slashbuildStepNames(commands),
  stepIndex: stepIndexByName(commands),
  masterUrl: "http://bb:8010",
  now: 99_000,
};
const queued: TrackedState = { buildId: 7, status: "queued", steps: [], bbBuildId: null };

function step(number: number, name: string, results: number | null, complete = results !== null): BbStep {
  return bbStepSchema.parse({
    stepid: 100 + number,
    number,
    name,
    buildid: 1,
    complete,
    results,
    started_at: 1000 + number,
    complete_at: complete ? 1001 + number : null,
  });
}

function withSha(build: BbBuild): BbBuild {
  return { ...build, properties: { ...build.properties, got_revision: [SHA, "Git"] } };
}

/** A complete Buildbot build (ids all 1) with a known sha; `fields` says how and when it ended. */
function completeBuild(fields: {
  results: number;
  started_at: number;
  complete_at: number;
  state_string?: string;
}): BbBuild {
  return withSha(
    bbBuildSchema.parse({
      buildid: 1,
      number: 1,
      builderid: 1,
      buildrequestid: 1,
      complete: true,
      ...fields,
    }),
  );
}

describe("mapResults", () => {
  it.each([
    [0, "succeeded"],
    [1, "succeeded"],
    [2, "failed"],
    [3, "cancelled"],
    [4, "failed"],
    [5, null],
    [6, "cancelled"],
    [null, null],
  ])("Buildbot result %s → %s", (results, status) => {
    expect(mapResults(results)).toBe(status);
  });

  it.each([
    [0, "succeeded"],
    [2, "failed"],
    [3, "skipped"],
    [4, "failed"],
    [6, "cancelled"],
  ])("step result %s → %s", (results, status) => {
    expect(mapStepResults(results)).toBe(status);
  });
});

describe("observe (push payload fixtures)", () => {
  const started = bbBuildSchema.parse(fixture("http-status-push.build-started.json"));
  const success = bbBuildSchema.parse(fixture("http-status-push.build-finished-success.json"));

  it("a start push without a known sha only records Buildbot's ids and link: the start post waits for the sha", () => {
    const { events, state } = observe(queued, { request: null, build: started, steps: [] }, ctx);
    expect(events).toEqual([
      {
        type: "external",
        buildId: 7,
        at: 99_000,
        external: {
          url: "http://bb:8010/#/builders/1/builds/1",
          buildid: 1,
          builderid: 1,
          number: 1,
          buildrequestid: 1,
          buildsetid: 1,
        },
      },
    ]);
    expect(state).toMatchObject({ status: "queued", bbBuildId: 1 });
  });

  it("once the checkout set got_revision, the build starts with that sha and Buildbot's start time", () => {
    const { events } = observe(queued, { request: null, build: withSha(started), steps: [] }, ctx);
    expect(events[1]).toEqual({
      type: "started",
      buildId: 7,
      at: 1795919551000,
      sha: SHA,
      steps: ["checkout", "make", "make test"],
    });
  });

  it("a finished checkout seen before its got_revision does not start the build without a sha", () => {
    const steps = [step(0, "worker_preparation", 0), step(1, "checkout", 0)];
    const early = observe(queued, { request: null, build: started, steps }, ctx);
    expect(early.events.map((e) => e.type)).toEqual(["external"]);
    const later = observe(
      early.state as TrackedState,
      { request: null, build: withSha(started), steps },
      ctx,
    );
    expect(later.events.find((e) => e.type === "started")).toMatchObject({ sha: SHA });
  });

  it("a master whose builders do not check out: the build starts once a later step completes", () => {
    const steps = [step(0, "worker_preparation", 0), step(1, "make", 0)];
    const { events } = observe(queued, { request: null, build: started, steps }, ctx);
    expect(events.find((e) => e.type === "started")).toMatchObject({ sha: "" });
  });

  it("a finish push alone (REST unreachable) still finishes the build, with the link", () => {
    const { events, state } = observe(queued, { request: null, build: success, steps: [] }, ctx);
    expect(events.map((e) => e.type)).toEqual(["external", "started", "finished"]);
    expect(events.at(-1)).toMatchObject({
      status: "succeeded",
      at: 1795919552000,
      external: { url: "http://bb:8010/#/builders/1/builds/1", buildid: 1, builderid: 1 },
    });
    expect(state).toBeNull();
  });

  it("repeating the same observation emits nothing new (push and reconcile may overlap)", () => {
    const seen = {
      request: null,
      build: withSha(started),
      steps: [step(0, "worker_preparation", 0), step(1, "checkout", 0)],
    };
    const first = observe(queued, seen, ctx);
    expect(first.events.map((e) => e.type)).toEqual(["external", "started", "step_started", "step_finished"]);
    const again = observe(first.state as TrackedState, seen, ctx);
    expect(again.events).toEqual([]);
  });
});

describe("observe (REST)", () => {
  const cancelled = bbBuildSchema.parse(
    (fixture("rest-build.cancelled.json") as { builds: unknown[] }).builds[0],
  );
  const cancelledSteps = (fixture("rest-build-steps.json") as { steps: unknown[] }).steps.map((s) =>
    bbStepSchema.parse(s),
  );

  it("a cancelled build (REST fixture) finishes cancelled with Buildbot's reason", () => {
    const { events } = observe(queued, { request: null, build: cancelled, steps: cancelledSteps }, ctx);
    expect(events.at(-1)).toMatchObject({
      type: "finished",
      status: "cancelled",
      reason: "Buildbot: cancelled (stopped from chat) 'sh -c ...' (cancelled)",
      external: { url: "http://bb:8010/#/builders/1/builds/9", buildid: 17 },
    });
  });

  it("a failure names the failing step by slashbuild's name; steps map by name, not position", () => {
    const build = withSha({ ...cancelled, results: 2, state_string: "failed 'make test'" });
    const steps = [
      step(0, "worker_preparation", 0),
      step(1, "checkout", 0),
      step(2, "make", 0),
      step(3, "make test", 2),
    ];
    const { events } = observe(queued, { request: null, build, steps }, ctx);
    const finishedSteps = events.filter((e) => e.type === "step_finished");
    expect(finishedSteps.map((e) => [e.index, e.status])).toEqual([
      [0, "succeeded"],
      [1, "succeeded"],
      [2, "failed"],
    ]);
    expect(events.at(-1)).toMatchObject({ status: "failed", failingStep: "make test", reason: null });
  });

  it("a step that ran out of time makes the build timed out", () => {
    const build = withSha({ ...cancelled, results: 2 });
    const steps = [
      step(1, "checkout", 0),
      { ...step(2, "make", 2), state_string: "'sh -c ...' (timed out)" },
    ];
    expect(observe(queued, { request: null, build, steps }, ctx).events.at(-1)).toMatchObject({
      status: "timed_out",
      failingStep: "make",
    });
  });

  it("a retried build is not final: slashbuild waits for Buildbot's next build of the request", () => {
    const build = withSha({ ...cancelled, results: 5 });
    const { events, state } = observe(queued, { request: null, build, steps: [] }, ctx);
    expect(events.map((e) => e.type)).toEqual(["external"]);
    expect(state).not.toBeNull();
  });

  it("a request cancelled before any build started finishes the build as cancelled", () => {
    const request = {
      buildrequestid: 3,
      buildsetid: 2,
      builderid: 1,
      complete: true,
      results: 6,
      submitted_at: 1,
      complete_at: 5,
    };
    const { events, state } = observe(queued, { request, build: null, steps: [] }, ctx);
    expect(events).toEqual([
      {
        type: "finished",
        buildId: 7,
        at: 5000,
        status: "cancelled",
        reason: expect.stringContaining("before any worker"),
      },
    ]);
    expect(state).toBeNull();
  });

  it("a pending request changes nothing", () => {
    const request = {
      buildrequestid: 3,
      buildsetid: 2,
      builderid: 1,
      complete: false,
      results: -1,
      submitted_at: 1,
      complete_at: null,
    };
    expect(observe(queued, { request, build: null, steps: [] }, ctx)).toEqual({ events: [], state: queued });
  });
});

describe("resolvedSha", () => {
  const base = bbBuildSchema.parse(fixture("http-status-push.build-started.json"));
  it("prefers got_revision, accepts a full revision property or sourcestamp, ignores abbreviations", () => {
    expect(resolvedSha(withSha(base))).toBe(SHA);
    expect(resolvedSha({ ...base, properties: { revision: [SHA, "Build"] } })).toBe(SHA);
    expect(resolvedSha({ ...base, properties: { revision: ["7139369", "Build"] } })).toBeNull();
    expect(
      resolvedSha({ ...base, properties: {}, buildset: { bsid: 1, sourcestamps: [{ revision: SHA }] } }),
    ).toBe(SHA);
    expect(resolvedSha(base)).toBeNull();
  });
});

describe("times from Buildbot's whole seconds", () => {
  const fast = (startedS: number, completeS: number): BbBuild =>
    completeBuild({ results: 0, started_at: startedS, complete_at: completeS });

  it("a build that finished within its start second gets slashbuild's finer clock, not 0s", () => {
    const createdAt = 2_000_100;
    const running = { ...fast(2000, 2000), complete: false, results: null, complete_at: null };
    const first = observe(
      queued,
      { request: null, build: running, steps: [] },
      { ...ctx, now: 2_000_150, createdAt },
    );
    const startedAt = first.events.find((e) => e.type === "started")?.at;
    expect(startedAt).toBe(2_000_150);
    const last = observe(
      first.state as TrackedState,
      { request: null, build: fast(2000, 2000), steps: [] },
      {
        ...ctx,
        now: 2_000_450,
        createdAt,
      },
    );
    const finishedAt = last.events.find((e) => e.type === "finished")?.at;
    expect(finishedAt).toBe(2_000_450);
    expect((finishedAt ?? 0) - (startedAt ?? 0)).toBe(300);
  });

  it("seen only once finished: starts at the later of its second and its creation, finishes at the reading", () => {
    const createdAt = 2_000_100;
    const { events } = observe(
      queued,
      { request: null, build: fast(2000, 2000), steps: [] },
      {
        ...ctx,
        now: 2_000_400,
        createdAt,
      },
    );
    expect(events.find((e) => e.type === "started")?.at).toBe(createdAt);
    expect(events.find((e) => e.type === "finished")?.at).toBe(2_000_400);
  });

  it("never starts before the build was created, nor finishes before it started (rounding, a clock behind)", () => {
    const createdAt = 2_000_900;
    const { events } = observe(
      queued,
      { request: null, build: fast(2000, 2000), steps: [step(1, "make", 0)] },
      {
        ...ctx,
        now: 2_005_000,
        createdAt,
      },
    );
    for (const event of events) expect(event.at).toBeGreaterThanOrEqual(createdAt);
    const started = events.find((e) => e.type === "started")?.at ?? 0;
    const finished = events.find((e) => e.type === "finished")?.at ?? 0;
    expect(finished).toBeGreaterThanOrEqual(started);
  });

  it("fineTime: the reading time within the second, else the whole second, never under the floor", () => {
    expect(fineTime(10, 10_250, 0)).toBe(10_250);
    expect(fineTime(10, 12_000, 0)).toBe(10_000);
    expect(fineTime(10, 12_000, 10_700)).toBe(10_700);
  });
});

describe("a master shutdown", () => {
  it.each([
    {
      title: "is reported interrupted with Buildbot's reason, not cancelled",
      state_string: "cancelled (Master Shutdown)",
      finished: {
        status: "interrupted",
        reason: expect.stringContaining("the Buildbot master shut down while it ran"),
      },
    },
    {
      title: "a stop from chat stays cancelled",
      state_string: "cancelled (stopped from chat by @alice)",
      finished: { status: "cancelled" },
    },
  ])("$title", ({ state_string, finished }) => {
    const build = completeBuild({ results: 6, state_string, started_at: 1000, complete_at: 1010 });
    const { events } = observe(queued, { request: null, build, steps: [] }, ctx);
    expect(events.at(-1)).toMatchObject({ type: "finished", ...finished });
  });
});
