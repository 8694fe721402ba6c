import { describe, expect, it } from "vitest";
import type { RepoConfig, ScheduleConfig } from "../../../../src/config/config.js";
import { decideScheduledRun } from "../../../../src/core/triggers/decide-scheduled-run.js";
import { makeBuild } from "../../../fakes/make-build.js";

const TIP = "a".repeat(40);
const repo = { name: "app" } as RepoConfig;
const nightly: ScheduleConfig = {
  name: "nightly",
  cron: "0 3 * * *",
  branch: "main",
  timezone: null,
  onlyIfChanged: true,
};

describe("decideScheduledRun", () => {
  it("runs the tip of the schedule's branch, as the schedule, posting by the repo's routing", () => {
    expect(decideScheduledRun(repo, nightly, TIP, [])).toEqual({
      kind: "run",
      request: {
        repo: "app",
        branch: "main",
        revision: TIP,
        user: { id: "schedule", name: "schedule" },
        channel: { id: "", name: "" },
        trigger: { kind: "schedule", name: "nightly" },
        again: true,
      },
    });
  });

  it("skips a branch that does not exist", () => {
    expect(decideScheduledRun(repo, nightly, null, [])).toEqual({
      kind: "skip",
      why: "branch main does not exist",
    });
  });

  it("with only_if_changed, skips a tip a build already built (or is building), whatever its result", () => {
    for (const status of ["succeeded", "failed", "timed_out", "queued", "running"] as const) {
      const built = makeBuild({ id: 9, sha: TIP, status });
      expect(decideScheduledRun(repo, nightly, TIP, [built])).toEqual({
        kind: "skip",
        why: `the tip ${TIP.slice(0, 10)} was already built by #9`,
      });
    }
    // A build still resolving names the commit it asked for.
    const asked = makeBuild({ id: 10, sha: null, requestedRevision: TIP, status: "queued" });
    expect(decideScheduledRun(repo, nightly, TIP, [asked]).kind).toBe("skip");
  });

  it("but a cancelled or interrupted build did not build it, nor did a build of another commit", () => {
    const recent = [
      makeBuild({ id: 1, sha: TIP, status: "cancelled" }),
      makeBuild({ id: 2, sha: TIP, status: "interrupted" }),
      makeBuild({ id: 3, sha: "b".repeat(40), status: "succeeded" }),
    ];
    expect(decideScheduledRun(repo, nightly, TIP, recent).kind).toBe("run");
  });

  it("without only_if_changed, runs whatever was built before", () => {
    const built = makeBuild({ id: 9, sha: TIP, status: "succeeded" });
    expect(decideScheduledRun(repo, { ...nightly, onlyIfChanged: false }, TIP, [built]).kind).toBe("run");
  });
});
