import { describe, expect, it, vi } from "vitest";
import type { Build } from "../../../src/core/build.js";
import { announcesFinish, repoNotifyFilter } from "../../../src/notify/notify-policy.js";
import { OutboxStatusNotifier } from "../../../src/notify/status-notifier.js";
import { FakeStatusFormatter } from "../../fakes/fake-status-formatter.js";
import { makeBuild } from "../../fakes/make-build.js";
import { RecordingOutbox } from "../../fakes/recording-outbox.js";
import { makeConfig } from "../../helpers/make-config.js";

/** Each repo's `notify` filter (all, failures, changes), seen through a sink that is no chat's. */

function setup(notify: "all" | "failures" | "changes", previous?: Build) {
  const outbox = new RecordingOutbox();
  const config = makeConfig({ repos: { app: { url: "/x.git", commands: ["make"], notify } } });
  const notifier = new OutboxStatusNotifier(outbox, config, {
    formatter: new FakeStatusFormatter(),
    filter: repoNotifyFilter(config, () => previous),
  });
  const moments = () => outbox.messages.map((m) => m.kind);
  return { notifier, moments };
}

const succeeded = makeBuild({ status: "succeeded", finishedAt: 1_070_000 });
const failed = makeBuild({ status: "failed", finishedAt: 1_070_000, failingStep: "make" });

function lifeOf(notifier: OutboxStatusNotifier, finish: Build): void {
  notifier.buildQueued(makeBuild({ status: "queued" }));
  notifier.buildStarted(makeBuild());
  notifier.buildProgressed(makeBuild());
  notifier.buildFinished(finish);
}

describe("notify filters", () => {
  it("all: every moment reaches the sink's formatter", () => {
    const { notifier, moments } = setup("all");
    lifeOf(notifier, succeeded);
    expect(moments()).toEqual(["queued", "started", "progressed", "finished"]);
  });

  it("failures: nothing until an unsuccessful finish; cancelled is not a failure", () => {
    const { notifier, moments } = setup("failures");
    lifeOf(notifier, succeeded);
    notifier.buildFinished({ ...succeeded, status: "cancelled" });
    expect(moments()).toEqual([]);
    notifier.buildFinished(failed);
    notifier.buildFinished({ ...succeeded, status: "timed_out" });
    notifier.buildFinished({ ...succeeded, status: "interrupted" });
    expect(moments()).toEqual(["finished", "finished", "finished"]);
  });

  it("asks for the branch's previous verdict only when the repo's filter needs it (changes)", () => {
    for (const [notify, asked] of [
      ["all", 0],
      ["failures", 0],
      ["changes", 1],
    ] as const) {
      const config = makeConfig({ repos: { app: { url: "/x", commands: ["true"], notify } } });
      const previous = vi.fn(() => undefined);
      repoNotifyFilter(config, previous).finish(makeBuild({ status: "failed" }));
      expect(previous, notify).toHaveBeenCalledTimes(asked);
    }
  });

  it("changes: only broken (including a first failure) and fixed", () => {
    const cases: [Build["status"] | null, Build["status"], boolean][] = [
      [null, "succeeded", false],
      [null, "failed", true],
      ["succeeded", "succeeded", false],
      ["succeeded", "failed", true],
      ["failed", "timed_out", false],
      ["timed_out", "succeeded", true],
      ["failed", "cancelled", false],
    ];
    const repo = makeConfig({ repos: { app: { url: "/x", commands: ["true"], notify: "changes" } } }).repos
      .app;
    for (const [before, now, announced] of cases) {
      const previous = before ? makeBuild({ id: 1, status: before }) : undefined;
      expect(
        announcesFinish(repo, makeBuild({ status: now }), () => previous),
        `${before} → ${now}`,
      ).toBe(announced);
    }
    const { notifier, moments } = setup("changes", makeBuild({ status: "failed" }));
    lifeOf(notifier, succeeded);
    expect(moments()).toEqual(["finished"]);
  });
});
