import { beforeEach, describe, expect, it } from "vitest";
import type { Build } from "../../../src/core/build.js";
import { BuildService } from "../../../src/core/build-service.js";
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
    },
  });
  const backend = new RecordingBackend();
  backend.sink = service.applyEvent;
  service.attachBackend(backend);
  return { service, store, notifier, backend, refsAsked };
}

describe("BuildService", () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it("queues a build of the default branch and hands it to the backend", async () => {
    const build = await requestNew(t.service, {
      repo: "app",
      branch: null,
      revision: null,
      user: alice,
      channel: ci,
    });
    expect(build).toMatchObject({ id: 1, repo: "app", branch: "main", status: "queued", requester: "alice" });
    expect(t.backend.started.map((b) => b.id)).toEqual([1]);
    expect(t.refsAsked).toEqual(["main"]);
  });

  it("keeps the requested revision, normalised", async () => {
    const build = await requestNew(t.service, {
      repo: "app",
      branch: "dev",
      revision: "ABCDEF1",
      user: bob,
      channel: ci,
    });
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
    await expect(
      requestNew(t.service, { repo: "app", branch: "-x", revision: null, user: alice, channel: ci }),
    ).rejects.toThrow();
    expect(t.refsAsked).toEqual([]);
  });

  it("closes the record and explains when the backend refuses", async () => {
    t.backend.refuse = true;
    await expect(
      requestNew(t.service, { repo: "app", branch: "dev", revision: null, user: bob, channel: ci }),
    ).rejects.toMatchObject({ code: "BACKEND_UNAVAILABLE" });
    expect(t.store.get(1)).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("backend is down"),
    });
    expect(t.notifier.posts).toEqual([]);
  });

  it("applies backend events: started, steps, finished with the failing step", async () => {
    const build = await requestNew(t.service, {
      repo: "app",
      branch: "dev",
      revision: null,
      user: bob,
      channel: ci,
    });
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
    const build = await requestNew(t.service, {
      repo: "app",
      branch: "dev",
      revision: null,
      user: bob,
      channel: ci,
    });
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
    const build = await requestNew(t.service, {
      repo: "app",
      branch: "dev",
      revision: null,
      user: bob,
      channel: ci,
    });
    t.service.applyEvent({ type: "finished", buildId: build.id, at: 3000, status: "succeeded" });
    t.service.applyEvent({ type: "finished", buildId: build.id, at: 4000, status: "failed" });
    expect(t.store.get(build.id)?.status).toBe("succeeded");
    expect(t.notifier.posts.filter((p) => p.startsWith("finished"))).toHaveLength(1);
  });

  it("lets the requester, permitted users and admins stop a build, and nobody else", async () => {
    const onMain = await requestNew(t.service, {
      repo: "app",
      branch: "main",
      revision: null,
      user: alice,
      channel: ci,
    });
    await expect(t.service.stopBuild(onMain.id, bob)).rejects.toMatchObject({ code: "NOT_PERMITTED" });
    const stopped = await t.service.stopBuild(onMain.id, { id: "u-root", name: "root" });
    expect(stopped.status).toBe("cancelled");
    await expect(t.service.stopBuild(onMain.id, alice)).rejects.toMatchObject({ code: "BUILD_FINISHED" });
    await expect(t.service.stopBuild(99, alice)).rejects.toMatchObject({ code: "BUILD_UNKNOWN" });
    const onDev = await requestNew(t.service, {
      repo: "app",
      branch: "dev",
      revision: null,
      user: alice,
      channel: ci,
    });
    await t.service.stopBuild(onDev.id, bob);
    expect(t.backend.stopped.map((s) => [s.build.id, s.by])).toEqual([
      [onMain.id, "root"],
      [onDev.id, "bob"],
    ]);
  });

  it("rebuilds the exact commit of the original, checking permission again", async () => {
    const original = await requestNew(t.service, {
      repo: "app",
      branch: "main",
      revision: null,
      user: alice,
      channel: ci,
    });
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
    await requestNew(t.service, { repo: "app", branch: "dev", revision: null, user: bob, channel: ci });
    const done = await requestNew(t.service, {
      repo: "app",
      branch: "dev",
      revision: null,
      user: bob,
      channel: ci,
    });
    t.service.applyEvent({ type: "finished", buildId: done.id, at: 3000, status: "succeeded" });
    await t.service.recover();
    expect(t.backend.recovered.map((b) => b.id)).toEqual([1]);
  });
});
