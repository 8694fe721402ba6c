import { beforeEach, describe, expect, it } from "vitest";
import type { Build } from "../../../src/core/build.js";
import { BuildService } from "../../../src/core/build-service.js";
import { SlashbuildError } from "../../../src/core/errors.js";
import type { StatusNotifier } from "../../../src/core/ports.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { RecordingBackend } from "../../fakes/recording-backend.js";
import { requestNew } from "../../fakes/request-new.js";
import { makeConfig } from "../../helpers/make-config.js";

const alice = { id: "uid-alice", name: "alice" };
const bob = { id: "uid-bob", name: "bob" };
const ci = { id: "chan-ci", name: "ci" };

class RecordingNotifier implements StatusNotifier {
  readonly posts: string[] = [];
  buildQueued(build: Build) {
    this.posts.push(`queued #${build.id}`);
  }
  buildStarted(build: Build) {
    this.posts.push(`started #${build.id} ${build.sha}`);
  }
  buildFinished(build: Build) {
    this.posts.push(`finished #${build.id} ${build.status} ${build.failingStep ?? ""}`.trim());
  }
}

function setup(branches = ["main", "dev"]) {
  const config = makeConfig({
    mattermost: { token: "t", channels: ["ci"], admins: ["root"] },
    repos: { app: { url: "/x", commands: ["make", "make test"], protected_branches: { main: ["alice"] } } },
  });
  const store = new SqliteBuildStore(openDatabase(":memory:"));
  const notifier = new RecordingNotifier();
  const refsAsked: string[] = [];
  const revisionsAsked: string[] = [];
  const service = new BuildService({
    config,
    store,
    notifier,
    clock: () => 1000,
    refs: {
      branchExists: async (_repo, branch) => {
        refsAsked.push(branch);
        return branches.includes(branch);
      },
      assertOnBranch: async (_repo, branch, revision) => {
        revisionsAsked.push(`${branch} ${revision}`);
        if (revision.startsWith("bad"))
          throw new SlashbuildError(
            "REVISION_NOT_ON_BRANCH",
            `Revision ${revision} is not on branch ${branch}.`,
          );
      },
    },
  });
  const backend = new RecordingBackend();
  backend.sink = service.applyEvent;
  service.attachBackend(backend);
  return { service, store, notifier, backend, refsAsked, revisionsAsked };
}

describe("BuildService", () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  /** A new build of `app` from ~ci: what the tests below vary is the branch, who asks and the revision. */
  const request = (branch: string | null, user = bob, revision: string | null = null) =>
    requestNew(t.service, { repo: "app", branch, revision, user, channel: ci });

  it("queues a build of the default branch and hands it to the backend", async () => {
    const build = await request(null, alice);
    expect(build).toMatchObject({ id: 1, repo: "app", branch: "main", status: "queued", requester: "alice" });
    expect(t.backend.started.map((b) => b.id)).toEqual([1]);
    expect(t.refsAsked).toEqual(["main"]);
  });

  it("keeps the requested revision, normalised", async () => {
    const build = await request("dev", bob, "ABCDEF1");
    expect(build.requestedRevision).toBe("abcdef1");
  });

  it.each([
    [{ repo: "nope" }, "REPO_UNKNOWN", /no repo `nope`. You can build: `app`/],
    [{ repo: "app", channel: { id: "x", name: "random" } }, "CHANNEL_NOT_ALLOWED", /only in ~ci/],
    [{ repo: "app", branch: "--upload-pack=touch /tmp/pwned" }, "BRANCH_MALFORMED", /./],
    [{ repo: "app", branch: "main;touch x" }, "BRANCH_MALFORMED", /./],
    [{ repo: "app", branch: "$(touch x)" }, "BRANCH_MALFORMED", /./],
    [{ repo: "app", branch: "dev", revision: "--output=/etc/x" }, "REVISION_MALFORMED", /./],
    [{ repo: "app", branch: "main", user: bob }, "NOT_PERMITTED", /protected; only @alice/],
    [{ repo: "app", branch: "gone" }, "BRANCH_UNKNOWN", /does not exist in app/],
  ])("refuses %j with %s and queues nothing", async (request, code, message) => {
    const full = { branch: null, revision: null, user: alice, channel: ci, ...request };
    await expect(requestNew(t.service, full)).rejects.toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
    expect(t.backend.started).toEqual([]);
    expect(t.store.list()).toEqual([]);
    expect(t.notifier.posts).toEqual([]);
  });

  it("checks the format before asking git about a branch", async () => {
    await expect(request("-x", alice)).rejects.toThrow();
    expect(t.refsAsked).toEqual([]);
  });

  it("a backend refusal stores nothing and uses no build number", async () => {
    t.backend.refuse = true;
    await expect(request("dev")).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
      message: expect.stringContaining("backend is down"),
    });
    expect(t.store.list()).toEqual([]);
    expect(t.store.unfinished()).toEqual([]);
    expect(t.notifier.posts).toEqual([]);
    t.backend.refuse = false;
    const next = await request("dev");
    expect(next.id).toBe(1);
  });

  it("refuses a revision not on the branch before anything is stored or handed to the backend", async () => {
    await expect(request("dev", bob, "bad1bad")).rejects.toMatchObject({ code: "REVISION_NOT_ON_BRANCH" });
    expect(t.revisionsAsked).toEqual(["dev bad1bad"]);
    expect(t.backend.started).toEqual([]);
    expect(t.store.list()).toEqual([]);
    expect(t.notifier.posts).toEqual([]);
  });

  it("an unconfirmed hand-over is admitted (not a failure) and says so", async () => {
    t.backend.unconfirmed = "not confirmed yet";
    const admission = await t.service.requestBuild({
      repo: "app",
      branch: "dev",
      revision: null,
      user: bob,
      channel: ci,
    });
    expect(admission).toMatchObject({ duplicate: false, unconfirmed: "not confirmed yet" });
    expect(t.store.get(admission.build.id)?.status).toBe("queued");
  });

  it("applies backend events: started, steps, finished with the failing step", async () => {
    const build = await request("dev");
    const sha = "a".repeat(40);
    t.service.applyEvent({ type: "started", buildId: build.id, at: 2000, sha, steps: ["make", "make test"] });
    t.service.applyEvent({ type: "step_started", buildId: build.id, at: 2000, index: 0 });
    t.service.applyEvent({
      type: "step_finished",
      buildId: build.id,
      at: 2500,
      index: 0,
      status: "succeeded",
      exitCode: 0,
    });
    t.service.applyEvent({ type: "step_started", buildId: build.id, at: 2500, index: 1 });
    t.service.applyEvent({
      type: "step_finished",
      buildId: build.id,
      at: 3000,
      index: 1,
      status: "failed",
      exitCode: 2,
    });
    t.service.applyEvent({
      type: "finished",
      buildId: build.id,
      at: 3000,
      status: "failed",
      failingStep: "make test",
    });
    const stored = t.store.get(build.id);
    expect(stored).toMatchObject({
      status: "failed",
      sha,
      startedAt: 2000,
      finishedAt: 3000,
      failingStep: "make test",
    });
    expect(stored?.steps.map((s) => [s.status, s.exitCode])).toEqual([
      ["succeeded", 0],
      ["failed", 2],
    ]);
    expect(t.notifier.posts).toEqual([`queued #1`, `started #1 ${sha}`, "finished #1 failed make test"]);
  });

  it("stores a step first reported with a name (Buildbot discovers steps as it goes), and skips it at the end", async () => {
    const build = await request("dev");
    t.service.applyEvent({
      type: "started",
      buildId: build.id,
      at: 2000,
      sha: "c".repeat(40),
      steps: ["make"],
    });
    t.service.applyEvent({ type: "step_started", buildId: build.id, at: 2100, index: 1, name: "upload" });
    t.service.applyEvent({
      type: "step_finished",
      buildId: build.id,
      at: 2200,
      index: 7,
      status: "failed",
      exitCode: 1,
    });
    expect(t.store.get(build.id)?.steps.map((s) => [s.index, s.name, s.status, s.startedAt])).toEqual([
      [0, "make", "pending", null],
      [1, "upload", "running", 2100],
    ]);
    t.service.applyEvent({
      type: "finished",
      buildId: build.id,
      at: 3000,
      status: "timed_out",
      failingStep: "upload",
    });
    expect(t.store.get(build.id)?.steps.map((s) => [s.status, s.finishedAt])).toEqual([
      ["skipped", null],
      ["timed_out", 3000],
    ]);
  });

  it("ignores events for a finished build (a late push after reconcile changes nothing)", async () => {
    const build = await request("dev");
    t.service.applyEvent({ type: "finished", buildId: build.id, at: 3000, status: "succeeded" });
    t.service.applyEvent({ type: "finished", buildId: build.id, at: 4000, status: "failed" });
    expect(t.store.get(build.id)?.status).toBe("succeeded");
    expect(t.notifier.posts.filter((p) => p.startsWith("finished"))).toHaveLength(1);
  });

  it("lets the requester, permitted users and admins stop a build, and nobody else", async () => {
    const onMain = await request("main", alice);
    await expect(t.service.stopBuild(onMain.id, bob)).rejects.toMatchObject({ code: "NOT_PERMITTED" });
    const stopped = await t.service.stopBuild(onMain.id, { id: "u-root", name: "root" });
    expect(stopped.status).toBe("cancelled");
    await expect(t.service.stopBuild(onMain.id, alice)).rejects.toMatchObject({ code: "BUILD_FINISHED" });
    await expect(t.service.stopBuild(99, alice)).rejects.toMatchObject({ code: "BUILD_UNKNOWN" });
    const onDev = await request("dev", alice);
    await t.service.stopBuild(onDev.id, bob);
    expect(t.backend.stopped.map((s) => [s.build.id, s.by])).toEqual([
      [onMain.id, "root"],
      [onDev.id, "bob"],
    ]);
  });

  it("rebuilds the exact commit of the original, checking permission again", async () => {
    const original = await request("main", alice);
    t.service.applyEvent({
      type: "started",
      buildId: original.id,
      at: 2000,
      sha: "b".repeat(40),
      steps: ["make"],
    });
    await expect(t.service.rebuild(original.id, bob, ci)).rejects.toMatchObject({ code: "NOT_PERMITTED" });
    const { build: again } = await t.service.rebuild(original.id, alice, ci, { again: true });
    expect(again).toMatchObject({
      id: 2,
      branch: "main",
      requestedRevision: "b".repeat(40),
      rebuildOf: original.id,
    });
  });

  it("hands unfinished builds to their backend at recovery", async () => {
    await request("dev");
    const done = await request("dev");
    t.service.applyEvent({ type: "finished", buildId: done.id, at: 3000, status: "succeeded" });
    await t.service.recover();
    expect(t.backend.recovered.map((b) => b.id)).toEqual([1]);
  });
});
