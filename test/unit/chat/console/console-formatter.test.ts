import { describe, expect, it } from "vitest";
import { type ConsolePost, consoleFormatter } from "../../../../src/chat/console/console-formatter.js";
import type { Step } from "../../../../src/core/build.js";
import { makeBuild } from "../../../fakes/make-build.js";
import { makeConfig } from "../../../helpers/make-config.js";

/** The console's own words for a terminal: no Markdown, no mentions, no buttons. */

const config = makeConfig({
  repos: { app: { url: "/x", commands: ["make test"], notify_branches: { "release/*": "releases" } } },
});
const step: Step = {
  index: 0,
  name: "make test",
  status: "failed",
  exitCode: 2,
  startedAt: 1,
  finishedAt: 2,
};
const payload = (drafts: readonly { payload: unknown }[]) => drafts[0]?.payload as ConsolePost;

describe("the console's formatter", () => {
  it("prints a start and a finish, like a webhook would post them, and nothing for queue or steps", () => {
    const f = consoleFormatter(config);
    expect(f.queued(makeBuild({ status: "queued" }))).toEqual([]);
    expect(f.progressed(makeBuild())).toEqual([]);
    expect(payload(f.started(makeBuild()))).toEqual({
      channel: null,
      text: "Build [#12] of app (branch main at 0123456789) started for alice.",
      details: ["http://ci.example.com:8080/builds/12"],
    });
    const finished = f.finished(makeBuild({ status: "succeeded", finishedAt: 1_052_000 }), null);
    expect(finished).toMatchObject([{ kind: "build_finished", supersedes: ["build_started"] }]);
    expect(payload(finished).text).toBe(
      "Build [#12] of app (branch main at 0123456789) succeeded after 42s. Requested by alice.",
    );
  });

  it("says why a build failed: the command, the reason and the end of its output", () => {
    const build = makeBuild({
      status: "failed",
      finishedAt: 1_020_000,
      failingStep: "make test",
      steps: [step],
    });
    const post = payload(
      consoleFormatter(config).finished(build, { step, text: "error: 2 tests failed\nmake: *** 2" }),
    );
    expect(post.details).toEqual([
      "Failing command: make test",
      "Output of step 1, make test:",
      "  error: 2 tests failed",
      "  make: *** 2",
      "http://ci.example.com:8080/builds/12",
    ]);
  });

  it("labels a routed build with its channel and tells the requester where the posts go", () => {
    const f = consoleFormatter(config);
    expect(payload(f.started(makeBuild({ branch: "release/2" }))).channel).toBe("releases");
    expect(f.destination?.(makeBuild({ branch: "release/2" }))).toEqual({
      where: { kind: "channel", name: "releases" },
      when: "all",
    });
    expect(f.destination?.(makeBuild())).toEqual({ where: { kind: "console" }, when: "all" });
  });
});
