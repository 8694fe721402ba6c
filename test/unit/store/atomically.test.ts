import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Atomically } from "../../../src/core/ports.js";
import { atomicallyIn } from "../../../src/store/atomically.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";

let db: Db;
let atomically: Atomically;
const names = () => db.prepare("SELECT name FROM t ORDER BY name").pluck().all();
const add = (name: string) => db.prepare("INSERT INTO t (name) VALUES (?)").run(name);

beforeEach(() => {
  db = openDatabase(":memory:");
  db.exec("CREATE TABLE t (name TEXT NOT NULL)");
  atomically = atomicallyIn(db);
});

afterEach(() => db.close());

describe("atomicallyIn", () => {
  it("commits what the work wrote and hands back what it returned", () => {
    const answer = atomically(() => {
      add("a");
      return 42;
    });
    expect(answer).toBe(42);
    expect(names()).toEqual(["a"]);
    expect(db.inTransaction).toBe(false);
  });

  it("rolls everything back when the work throws, and throws its error", () => {
    expect(() =>
      atomically(() => {
        add("a");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(names()).toEqual([]);
    expect(db.inTransaction).toBe(false);
  });

  it("runs a nested call in a savepoint: its failure undoes only its own writes", () => {
    atomically(() => {
      add("outer");
      expect(() =>
        atomically(() => {
          add("inner");
          throw new Error("inner");
        }),
      ).toThrow("inner");
      atomically(() => add("second"));
    });
    expect(names()).toEqual(["outer", "second"]);
  });

  it("serves one call after another, each a transaction of its own", () => {
    atomically(() => add("a"));
    expect(() =>
      atomically(() => {
        add("b");
        throw new Error("no");
      }),
    ).toThrow("no");
    atomically(() => add("c"));
    expect(names()).toEqual(["a", "c"]);
  });
});
