import { describe, expect, it } from "vitest";
import { commitStatusFormatter } from "../../../../src/forges/status/commit-status-formatter.js";
import { makeBuild } from "../../../fakes/make-build.js";
import { makeConfig } from "../../../helpers/make-config.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("the commit-status formatter", () => {
  const config = makeConfig({
    forges: { github: { token: "tok", webhook_secret: "secret-0123456789abcdef" } },
    repos: { app: { url: "https://github.com/acme/app.git", commands: ["true"] } },
  });
  const formatter = commitStatusFormatter(config);

  it("a typed build: pending when started (its commit is known then), final when finished", () => {
    const typed = makeBuild({ requestedRevision: null, sha: null, status: "queued" });
    expect(formatter.queued(typed)).toEqual([]);
    const started = formatter.started({ ...typed, sha: SHA, status: "running" });
    expect(started[0]?.payload).toMatchObject({
      repo: "acme/app",
      sha: SHA,
      state: "pending",
      context: "slashbuild",
    });
    const done = formatter.finished({ ...typed, sha: SHA, status: "timed_out", finishedAt: 1_070_000 }, null);
    expect(done[0]?.payload).toMatchObject({
      state: "failure",
      targetUrl: "http://ci.example.com:8080/builds/12",
    });
  });

  it("a pushed build: pending when queued, not again when started", () => {
    const pushed = makeBuild({ requestedRevision: SHA, sha: null, status: "queued" });
    expect(formatter.queued(pushed)[0]?.payload).toMatchObject({ sha: SHA, state: "pending" });
    expect(formatter.started({ ...pushed, sha: SHA, status: "running" })).toEqual([]);
  });

  it("a deploy: its own context per environment, pending while it waits and deploys, then its result", () => {
    const deploy = makeBuild({
      id: 15,
      kind: "deploy",
      environment: "production",
      requestedRevision: SHA,
      sha: null,
      status: "queued",
      startedAt: null,
    });
    expect(formatter.queued(deploy)[0]?.payload).toMatchObject({
      sha: SHA,
      state: "pending",
      context: "slashbuild/deploy/production",
      description: "Deploy #15 to production waiting",
    });
    expect(formatter.started({ ...deploy, sha: SHA, status: "running" })).toEqual([]);
    const rejected = formatter.finished(
      { ...deploy, status: "cancelled", reason: "rejected by @bob: not now", finishedAt: 1_070_000 },
      null,
    );
    expect(rejected[0]?.payload).toMatchObject({
      state: "error",
      context: "slashbuild/deploy/production",
      description: "Deploy #15 to production cancelled: rejected by @bob: not now",
      targetUrl: "http://ci.example.com:8080/builds/15",
    });
    const done = formatter.finished(
      { ...deploy, sha: SHA, status: "succeeded", startedAt: 1_000_000, finishedAt: 1_003_000 },
      null,
    );
    expect(done[0]?.payload).toMatchObject({
      state: "success",
      description: "Deploy #15 to production succeeded in 3s",
    });
  });

  it("no token, no statuses", () => {
    const quiet = commitStatusFormatter(
      makeConfig({
        forges: { github: {} },
        repos: { app: { url: "https://github.com/acme/app.git", commands: ["true"] } },
      }),
    );
    expect(quiet.finished(makeBuild({ status: "succeeded" }), null)).toEqual([]);
  });
});
