import { describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { makeNewBuild } from "../../fakes/make-build.js";

describe("SqliteBuildStore", () => {
  it("numbers builds upwards and lists unfinished ones, all or of one repo and branch", () => {
    const store = new SqliteBuildStore(openDatabase(":memory:"));
    const a = store.create(makeNewBuild());
    const b = store.create(makeNewBuild({ branch: "dev" }));
    const c = store.create(makeNewBuild());
    const d = store.create(makeNewBuild({ repo: "web" }));
    store.update(c.id, { status: "running" });
    store.update(a.id, { status: "succeeded", finishedAt: 2000 });
    expect([a.id, b.id, c.id, d.id]).toEqual([1, 2, 3, 4]);
    expect(store.unfinished().map((x) => x.id)).toEqual([2, 3, 4]);
    expect(store.unfinished({ repo: "app", branch: "main" }).map((x) => x.id)).toEqual([3]);
    expect(store.unfinished({ repo: "app", branch: "dev" }).map((x) => x.id)).toEqual([2]);
  });

  it("create returns the build exactly as stored (it is not read back)", () => {
    const store = new SqliteBuildStore(openDatabase(":memory:"));
    const typed = store.create(makeNewBuild({ requestedRevision: "abc1234", rebuildOf: 7 }));
    const pushed = store.create({
      ...makeNewBuild({ branch: "dev" }),
      trigger: {
        kind: "push",
        forge: "github",
        pusher: "Bob",
        pusherLogin: "bob",
        commits: [],
        totalCommits: 0,
        compareUrl: null,
        tag: false,
      },
    });
    expect(typed).toEqual(store.get(typed.id));
    expect(pushed).toEqual(store.get(pushed.id));
    expect(pushed.trigger).toMatchObject({ kind: "push" });
  });

  it("previousVerdict: the branch's latest earlier build that succeeded, failed or timed out, within 50 builds", () => {
    const store = new SqliteBuildStore(openDatabase(":memory:"));
    const finish = (
      status: "succeeded" | "failed" | "timed_out" | "cancelled" | "interrupted",
      fields = {},
    ) => {
      const build = store.create(makeNewBuild(fields));
      store.update(build.id, { status, finishedAt: 2000 });
      return build;
    };
    const first = store.create(makeNewBuild());
    expect(store.previousVerdict(first)).toBeUndefined();
    finish("failed");
    const passed = finish("succeeded");
    finish("timed_out", { branch: "dev" });
    finish("failed", { repo: "web" });
    finish("cancelled");
    finish("interrupted");
    store.create(makeNewBuild());
    const latest = store.create(makeNewBuild());
    // Other branches and repos, cancelled, interrupted and unfinished builds say nothing.
    expect(store.previousVerdict(latest)).toEqual({ status: "succeeded" });
    expect(store.previousVerdict(passed)).toEqual({ status: "failed" });
    expect(store.previousVerdict({ repo: "app", branch: "dev", id: latest.id })).toEqual({
      status: "timed_out",
    });
    // Only a bounded page back: 50 cancelled builds hide anything older.
    for (let n = 0; n < 50; n++) finish("cancelled");
    expect(store.previousVerdict(store.create(makeNewBuild()))).toBeUndefined();
  });

  it("keeps steps with their build", () => {
    const store = new SqliteBuildStore(openDatabase(":memory:"));
    const build = store.create(makeNewBuild());
    store.setSteps(build.id, ["make", "make test"]);
    store.updateStep(build.id, 1, { status: "failed", exitCode: 2 });
    expect(store.get(build.id)?.steps.map((s) => [s.name, s.status, s.exitCode])).toEqual([
      ["make", "pending", null],
      ["make test", "failed", 2],
    ]);
  });
});
