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
