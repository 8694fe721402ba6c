import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BuildService } from "../../../src/core/build-service.js";
import { handleCommand } from "../../../src/core/handle-command.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { RecordingBackend } from "../../fakes/recording-backend.js";
import { makeConfig } from "../../helpers/make-config.js";

const alice = { id: "uid-alice", name: "alice" };
const bob = { id: "uid-bob", name: "bob" };
const carol = { id: "uid-carol", name: "carol" };
const ci = { id: "chan-ci", name: "ci" };

/** A service whose backend never starts anything, so every admitted build stays queued. */
function setup(queue?: Record<string, number>, dbFile = ":memory:") {
  const config = makeConfig({
    mattermost: { token: "t" },
    ...(queue ? { queue } : {}),
    repos: { app: { url: "/x", commands: ["true"] } },
  });
  const service = new BuildService({
    config,
    store: new SqliteBuildStore(openDatabase(dbFile)),
    notifier: { buildQueued() {}, buildStarted() {}, buildFinished() {} },
    refs: { branchExists: async () => true, assertOnBranch: async () => {} },
  });
  const backend = new RecordingBackend();
  backend.sink = service.applyEvent;
  service.attachBackend(backend);
  const slash = (text: string, user = alice) => handleCommand(service, config, { text, user, channel: ci });
  return { service, backend, slash };
}

describe("queue limits (issue 8, item 3)", () => {
  it("refuses a person's build over queue.max_per_user, naming the limit and /build status", async () => {
    const t = setup({ max_per_user: 3, max_total: 100 });
    for (let k = 0; k < 3; k++) expect((await t.slash("app --again")).text).toMatch(/Queued build/);
    const refused = await t.slash("app --again");
    expect(refused.visibility).toBe("ephemeral");
    expect(refused.text).toContain("queue.max_per_user is 3");
    expect(refused.text).toContain("`/build status`");
    // A plain sentence: the chat edge words refusals as apologies (chat/apologize.ts), the web does not.
    expect(refused).toMatchObject({
      refusal: true,
      text: expect.stringMatching(/^You already have 3 builds/),
    });
    expect(t.backend.started).toHaveLength(3);
    // Someone else still gets their build.
    expect((await t.slash("app --again", bob)).text).toMatch(/Queued build/);
  });

  it("refuses anyone's build over queue.max_total", async () => {
    const t = setup({ max_per_user: 10, max_total: 4 });
    for (const user of [alice, alice, bob, bob]) await t.slash("app --again", user);
    const refused = await t.slash("app --again", carol);
    expect(refused.text).toContain("queue.max_total is 4");
    expect(refused.text).toMatch(/^The build queue is full: 4 builds/);
    expect(refused.text).toContain("`/build status`");
    expect(t.backend.started).toHaveLength(4);
  });

  it("counts only builds still waiting: a started build frees its place", async () => {
    const t = setup({ max_per_user: 1, max_total: 100 });
    await t.slash("app --again");
    expect((await t.slash("app --again")).text).toContain("queue.max_per_user");
    const [first] = t.backend.started;
    t.service.applyEvent({
      type: "started",
      buildId: first?.id ?? 0,
      at: 1,
      sha: "a".repeat(40),
      steps: ["true"],
    });
    expect((await t.slash("app --again")).text).toMatch(/Queued build/);
  });

  it("holds across a restart: the queue the last process left counts", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-ql-"));
    try {
      const file = path.join(dir, "slashbuild.db");
      const before = setup({ max_per_user: 2, max_total: 3 }, file);
      await before.slash("app --again");
      await before.slash("app --again");
      const after = setup({ max_per_user: 2, max_total: 3 }, file);
      expect((await after.slash("app --again")).text).toContain("queue.max_per_user is 2");
      expect((await after.slash("app --again", bob)).text).toMatch(/Queued build/);
      expect((await after.slash("app --again", carol)).text).toContain("queue.max_total is 3");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bounds a burst of 1000 --again requests by default (the attack queued all 1000)", async () => {
    const t = setup();
    for (let k = 0; k < 1000; k++)
      await t.slash("app --again", { id: `uid-${k % 50}`, name: `user${k % 50}` });
    expect(t.backend.started).toHaveLength(100);
  });
});
