import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteDirectMessages } from "../../../src/store/sqlite-direct-messages.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const alice = { id: "sfogyr3xkxwnrek8pk3yr9oudo", name: "Alice" };

describe("SqliteDirectMessages", () => {
  it("keeps each choice in the database file: a restart (a new connection) still knows it", () => {
    const dir = mkdtempSync(join(tmpdir(), "slashbuild-dm-"));
    dirs.push(dir);
    const file = join(dir, "slashbuild.db");
    const first = openDatabase(file);
    new SqliteDirectMessages(first).set(alice, "failures");
    first.close();

    const again = openDatabase(file);
    const preferences = new SqliteDirectMessages(again);
    expect(preferences.levelOf(alice.id)).toBe("failures");
    expect(preferences.byName("ALICE")).toEqual({ userId: alice.id, level: "failures" });
    preferences.set(alice, "off");
    expect(preferences.levelOf(alice.id)).toBe("off");
    expect(preferences.byName("alice")).toBeUndefined();
    again.close();
  });

  it("finds a name by its newest owner: a renamed account's old name goes to whoever took it last", () => {
    let now = 1000;
    const preferences = new SqliteDirectMessages(openDatabase(":memory:"), () => now);
    preferences.set({ id: "aaaaaaaaaaaaaaaaaaaaaaaaaa", name: "sam" }, "all");
    now = 2000;
    preferences.set({ id: "bbbbbbbbbbbbbbbbbbbbbbbbbb", name: "sam" }, "failures");
    expect(preferences.byName("sam")).toEqual({ userId: "bbbbbbbbbbbbbbbbbbbbbbbbbb", level: "failures" });
    // Setting again refreshes the name, and a person's choice is one row whatever they change.
    now = 3000;
    preferences.set({ id: "aaaaaaaaaaaaaaaaaaaaaaaaaa", name: "sam" }, "failures");
    expect(preferences.byName("sam")?.userId).toBe("aaaaaaaaaaaaaaaaaaaaaaaaaa");
    expect(preferences.levelOf("aaaaaaaaaaaaaaaaaaaaaaaaaa")).toBe("failures");
  });
});
