import { describe, expect, it } from "vitest";
import { BuildService } from "../../../src/core/build-service.js";
import { findDuplicate } from "../../../src/core/find-duplicate.js";
import { handleCommand } from "../../../src/core/handle-command.js";
import { parseBuildCommand } from "../../../src/core/parse-build-command.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { makeBuild } from "../../fakes/make-build.js";
import { RecordingBackend } from "../../fakes/recording-backend.js";
import { makeConfig } from "../../helpers/make-config.js";

const alice = { id: "uid-alice", name: "alice" };
const bob = { id: "uid-bob", name: "bob" };
const ci = { id: "chan-ci", name: "ci" };
const SHA = "0123456789abcdef0123456789abcdef01234567";

function setup() {
  const config = makeConfig({
    mattermost: { token: "t" },
    repos: { app: { url: "/x", commands: ["true"], protected_branches: { main: ["alice"] } } },
  });
  const noop = () => {};
  const service = new BuildService({
    config,
    store: new SqliteBuildStore(openDatabase(":memory:")),
    notifier: { buildQueued: noop, buildStarted: noop, buildFinished: noop },
    refs: { branchExists: async () => true },
  });
  const backend = new RecordingBackend();
  backend.sink = service.applyEvent;
  service.attachBackend(backend);
  const run = (text: string, user = alice) => handleCommand(service, config, { text, user, channel: ci });
  return { run, backend, service };
}

describe("the --again / ! override in the grammar", () => {
  it("is read anywhere after /build, and never as a branch or revision", () => {
    expect(parseBuildCommand("app main --again")).toEqual({
      kind: "build",
      repo: "app",
      branch: "main",
      revision: null,
      again: true,
    });
    expect(parseBuildCommand("app ! main abc1234")).toEqual({
      kind: "build",
      repo: "app",
      branch: "main",
      revision: "abc1234",
      again: true,
    });
    expect(parseBuildCommand("rebuild #4 --AGAIN")).toEqual({ kind: "rebuild", id: 4, again: true });
    expect(parseBuildCommand("app main")).not.toHaveProperty("again");
  });

  it("refuses it where it means nothing, and refuses look-alikes as branches later", () => {
    expect(() => parseBuildCommand("status --again")).toThrow(/only goes with a build or a rebuild/);
    expect(() => parseBuildCommand("stop 3 !")).toThrow(/only goes with a build or a rebuild/);
    // Not the override: these stay words, and the branch check refuses them ('-' start, '!' inside).
    expect(parseBuildCommand("app --againx")).toMatchObject({ branch: "--againx" });
    expect(parseBuildCommand("app main!")).toMatchObject({ branch: "main!" });
  });
});

describe("findDuplicate", () => {
  const tip = makeBuild({ id: 1, status: "queued", sha: null, requestedRevision: null });
  const pinned = makeBuild({ id: 2, status: "running", sha: SHA, requestedRevision: "0123456" });

  it("matches a tip request to an unfinished tip build of the same repo and branch", () => {
    expect(findDuplicate([tip], { repo: "app", branch: "main", revision: null })).toBe(tip);
    expect(findDuplicate([tip], { repo: "app", branch: "dev", revision: null })).toBeUndefined();
    expect(findDuplicate([tip], { repo: "web", branch: "main", revision: null })).toBeUndefined();
    expect(
      findDuplicate([{ ...tip, status: "failed" }], { repo: "app", branch: "main", revision: null }),
    ).toBeUndefined();
    expect(findDuplicate([pinned], { repo: "app", branch: "main", revision: null })).toBeUndefined();
  });

  it("matches a revision by prefix of the typed revision or of the resolved sha", () => {
    expect(findDuplicate([pinned], { repo: "app", branch: "main", revision: "0123456789ab" })).toBe(pinned);
    expect(findDuplicate([pinned], { repo: "app", branch: "main", revision: "01234" })).toBe(pinned);
    const running = makeBuild({ id: 3, status: "running", sha: SHA, requestedRevision: null });
    expect(findDuplicate([running], { repo: "app", branch: "main", revision: "0123456789" })).toBe(running);
    expect(findDuplicate([running], { repo: "app", branch: "main", revision: "fedcba9" })).toBeUndefined();
  });
});

describe("deduplicated /build", () => {
  it("answers a repeat request with the queued build's link and starts nothing", async () => {
    const { run, backend } = setup();
    expect((await run("app main")).text).toMatch(/Queued build \[#1\]/);
    const again = await run("app");
    expect(again.text).toMatch(/Build \[#1\]\(http:\/\/ci\.example\.com:8080\/builds\/1\).*already queued/);
    expect(again.text).toContain("`/build app main --again` queues one anyway");
    expect(backend.started).toHaveLength(1);
  });

  it("names the running build's commit and how to insist after a push", async () => {
    const { run, backend } = setup();
    await run("app");
    backend.sink({ type: "started", buildId: 1, at: 2000, sha: SHA, steps: ["true"] });
    const reply = await run("app main");
    expect(reply.text).toMatch(/already running at `0123456789`.*If you pushed since it started/);
    expect(backend.started).toHaveLength(1);
  });

  it("starts one anyway with --again or !, and dedupes rebuilds unless told", async () => {
    const { run, backend } = setup();
    await run("app");
    expect((await run("app --again")).text).toMatch(/Queued build \[#2\]/);
    expect((await run("app main !")).text).toMatch(/Queued build \[#3\]/);
    expect((await run("app")).text).toMatch(/Build \[#3\].*already queued/);
    backend.sink({ type: "started", buildId: 1, at: 2000, sha: SHA, steps: ["true"] });
    backend.sink({ type: "finished", buildId: 1, at: 3000, status: "failed" });
    expect((await run("rebuild 1")).text).toMatch(/Queued build \[#4\].*rebuild of #1/);
    expect((await run("rebuild 1")).text).toMatch(
      /Build \[#4\].*already queued.*`\/build rebuild 1 --again`/,
    );
    expect((await run("rebuild 1 --again")).text).toMatch(/Queued build \[#5\]/);
    expect(backend.started.map((b) => b.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it("checks permission before answering with a duplicate", async () => {
    const { run } = setup();
    await run("app main");
    expect((await run("app main", bob)).text).toMatch(/protected/);
  });

  it("dedupes the one entry point, requestBuild, for every caller unless `again`", async () => {
    const { service, backend } = setup();
    const request = { repo: "app", branch: null, revision: null, user: alice, channel: ci };
    const first = await service.requestBuild(request);
    expect(await service.requestBuild(request)).toEqual({ build: first.build, duplicate: true });
    expect(await service.requestBuild({ ...request, again: true })).toMatchObject({ duplicate: false });
    expect(backend.started).toHaveLength(2);
  });
});
