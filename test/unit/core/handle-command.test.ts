import { describe, expect, it } from "vitest";
import { BuildService } from "../../../src/core/build-service.js";
import { handleCommand } from "../../../src/core/handle-command.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { RecordingBackend } from "../../fakes/recording-backend.js";
import { makeConfig } from "../../helpers/make-config.js";

const alice = { id: "uid-alice", name: "alice" };
const ci = { id: "chan-ci", name: "ci" };

function setup() {
  const config = makeConfig({
    mattermost: { token: "t", channels: ["ci"] },
    repos: {
      app: { url: "/x", commands: ["true"] },
      infra: { url: "/y", commands: ["true"], users: ["carol"] },
    },
  });
  const noop = () => {};
  const service = new BuildService({
    config,
    store: new SqliteBuildStore(openDatabase(":memory:")),
    notifier: { buildQueued: noop, buildStarted: noop, buildFinished: noop },
    refs: { branchExists: async (_repo, branch) => branch === "main", assertOnBranch: async () => {} },
  });
  const backend = new RecordingBackend();
  backend.sink = service.applyEvent;
  service.attachBackend(backend);
  const run = (text: string, channel = ci) => handleCommand(service, config, { text, user: alice, channel });
  return { run, backend, service };
}

describe("handleCommand", () => {
  it("answers an accepted build at once with its number and link, ephemerally", async () => {
    const { run, backend } = setup();
    const reply = await run("app");
    expect(reply.visibility).toBe("ephemeral");
    expect(reply.text).toContain("Queued build [#1](http://ci.example.com:8080/builds/1)");
    expect(reply.text).toContain("`main`");
    expect(backend.started).toHaveLength(1);
  });

  it("turns refusals into ephemeral answers that say what to do", async () => {
    const { run, backend } = setup();
    expect((await run("nope")).text).toMatch(/no repo `nope`. You can build: `app`\./);
    expect((await run("app", { id: "c2", name: "random" })).text).toMatch(/only in ~ci/);
    expect((await run("app --upload-pack=x")).text).toMatch(/may not start with '-'/);
    expect((await run("frobnicate now please go")).text).toMatch(/\/build <repo> \[branch\] \[revision\]/);
    expect((await run("stop 41")).text).toMatch(/no build #41/);
    expect(backend.started).toEqual([]);
  });

  it("lists only the repos this user may build here", async () => {
    const { run } = setup();
    const reply = await run("list");
    expect(reply.text).toContain("`app`");
    expect(reply.text).not.toContain("infra");
  });

  it("shows status of one build, a repo, or recent builds", async () => {
    const { run } = setup();
    expect((await run("status")).text).toBe("No builds yet.");
    await run("app");
    expect((await run("status #1")).text).toMatch(/\[#1\].*`app` `main`.*@alice: \*\*queued\*\*/);
    expect((await run("status app")).text).toMatch(/^- \[#1\]/);
    expect((await run("status infra")).text).toBe("No builds of `infra` yet.");
  });

  it("stops and rebuilds by number, with or without #", async () => {
    const { run, backend } = setup();
    await run("app");
    expect((await run("stop #1")).text).toMatch(/Stopping build #1/);
    expect(backend.stopped).toHaveLength(1);
    expect((await run("rebuild 1")).text).toMatch(/Queued build \[#2\].*rebuild of #1/);
  });

  it("shows help anywhere", async () => {
    const { run } = setup();
    expect((await run("help", { id: "c9", name: "random" })).text).toContain("/build stop N");
    expect((await run("help")).text).toContain("`/build notify me failures|all|off` (bot mode)");
  });
});
