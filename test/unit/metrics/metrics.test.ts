import { describe, expect, it } from "vitest";
import type { Build } from "../../../src/core/build.js";
import { Metrics } from "../../../src/metrics/metrics.js";
import { makeBuild } from "../../fakes/make-build.js";

function metrics(): Metrics {
  return new Metrics({
    queue: () => ({ depth: 0, oldestCreatedAt: null }),
    sink: "webhook",
    outbox: () => ({ pending: 0, oldestCreatedAt: null }),
  });
}

async function startedLabels(build: Build): Promise<string[]> {
  const m = metrics();
  m.buildStarted(build);
  m.buildFinished({ ...build, status: "succeeded" });
  const started = await m.buildsStarted.get();
  const finished = await m.buildsFinished.get();
  return [...started.values, ...finished.values].map((value) => String(value.labels.trigger));
}

describe("the trigger label of the build counters", () => {
  const push = {
    kind: "push",
    forge: "github",
    pusher: "Ann",
    pusherLogin: "ann",
    commits: [],
    totalCommits: 1,
    compareUrl: null,
    tag: false,
  } as const;
  const pullRequest = {
    kind: "pull_request",
    forge: "gitea",
    number: 4,
    title: "t",
    url: null,
    author: "bob",
    fork: false,
    headRef: "refs/pull/4/head",
    noun: "Pull request",
    reference: "#4",
  } as const;

  it.each([
    ["push", makeBuild({ trigger: push, channelId: "c1" })],
    ["pull_request", makeBuild({ trigger: pullRequest, channelId: "c1" })],
    ["schedule", makeBuild({ trigger: { kind: "schedule", name: "nightly" }, channelId: "c1" })],
    ["chat", makeBuild({ trigger: null })],
    ["rebuild", makeBuild({ rebuildOf: 3 })],
    ["web", makeBuild({ channelId: "web" })],
  ])("counts a %s build under its own trigger, on start and on finish", async (label, build) => {
    expect(await startedLabels(build)).toEqual([label, label]);
  });
});
