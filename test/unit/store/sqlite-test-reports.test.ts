import { describe, expect, it } from "vitest";
import type { TestReport } from "../../../src/core/test-report.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { makeNewBuild } from "../../fakes/make-build.js";

/** Migration 14: a build's test report, replaced whole on each save, read with the build, gone with it. */

const SHA = "c".repeat(40);

function report(failures: string[], overrides: Partial<TestReport> = {}): TestReport {
  return {
    passed: 2,
    failed: failures.length,
    skipped: 0,
    files: 1,
    failures: failures.map((name) => ({
      name,
      classname: "m",
      message: "boom",
      output: "out",
      step: 0,
      line: 3,
    })),
    flaky: [],
    notes: ["a note"],
    ...overrides,
  };
}

describe("SqliteTestReports", () => {
  it("saves a build's report, replaces it whole, and reads it back with the build", () => {
    const db = openDatabase(":memory:");
    const store = new SqliteBuildStore(db);
    const id = store.create(makeNewBuild()).id;
    expect(store.get(id)?.tests).toBeUndefined();
    store.tests.save({ id, repo: "app", sha: SHA }, report(["a", "b"]));
    store.tests.save({ id, repo: "app", sha: SHA }, report(["c"]));
    expect(store.get(id)?.tests).toEqual(report(["c"]));
  });

  it("answers the flaky questions for earlier builds of the same repo and commit only", () => {
    const store = new SqliteBuildStore(openDatabase(":memory:"));
    const first = store.create(makeNewBuild()).id;
    const second = store.create(makeNewBuild()).id;
    store.tests.save({ id: first, repo: "app", sha: SHA }, report(["a"]));
    const here = { repo: "app", sha: SHA, before: second };
    expect(store.tests.anyFailed(here)).toBe(true);
    expect(store.tests.failedIn({ ...here, name: "a", classname: "m" })).toBe(first);
    expect(store.tests.failedIn({ ...here, name: "a", classname: "other" })).toBeNull();
    expect(store.tests.anyFailed({ ...here, sha: "d".repeat(40) })).toBe(false);
    expect(store.tests.anyFailed({ ...here, repo: "other" })).toBe(false);
    // A build is never its own history.
    expect(store.tests.anyFailed({ ...here, before: first })).toBe(false);
  });

  it("deletes a build's report with the build", () => {
    const db = openDatabase(":memory:");
    const store = new SqliteBuildStore(db);
    const id = store.create(makeNewBuild()).id;
    store.tests.save({ id, repo: "app", sha: SHA }, report(["a"]));
    store.discard(id);
    expect(db.prepare("SELECT count(*) AS n FROM test_cases").get()).toEqual({ n: 0 });
    expect(db.prepare("SELECT count(*) AS n FROM test_reports").get()).toEqual({ n: 0 });
  });
});
