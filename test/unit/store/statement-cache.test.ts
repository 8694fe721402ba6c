import { describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { statementCache } from "../../../src/store/statement-cache.js";
import { makeNewBuild } from "../../fakes/make-build.js";

function countingDb() {
  const db = openDatabase(":memory:");
  const prepared: string[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  }) as typeof db.prepare;
  return { db, prepared };
}

describe("statementCache", () => {
  it("prepares each SQL once, and starts over past its cap", () => {
    const { db, prepared } = countingDb();
    const statement = statementCache(db, 2);
    expect(statement("SELECT 1 AS n").get()).toEqual({ n: 1 });
    expect(statement("SELECT 1 AS n").get()).toEqual({ n: 1 });
    expect(prepared).toEqual(["SELECT 1 AS n"]);
    statement("SELECT 2");
    statement("SELECT 3");
    statement("SELECT 1 AS n");
    expect(prepared).toEqual(["SELECT 1 AS n", "SELECT 2", "SELECT 3", "SELECT 1 AS n"]);
  });

  it("serves the build store's transitions: a build's second update of the same fields prepares nothing", () => {
    const { db, prepared } = countingDb();
    const store = new SqliteBuildStore(db);
    const first = store.create(makeNewBuild());
    const second = store.create(makeNewBuild());
    store.update(first.id, { status: "running", startedAt: 2 });
    const before = prepared.length;
    store.update(second.id, { status: "running", startedAt: 3 });
    expect(prepared.length).toBe(before);
    expect(store.get(second.id)).toMatchObject({ status: "running", startedAt: 3 });
  });
});
