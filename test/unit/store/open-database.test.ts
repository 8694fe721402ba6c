import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { isSlashbuildError } from "../../../src/core/errors.js";
import { MIGRATIONS } from "../../../src/store/migrations.js";
import { openDatabase } from "../../../src/store/open-database.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-db-"));
  dirs.push(dir);
  return path.join(dir, "slashbuild.db");
}

describe("openDatabase", () => {
  it("runs every migration on a new file and again opens it unchanged", () => {
    const file = tempDb();
    openDatabase(file).close();
    const again = openDatabase(file);
    expect(again.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    again.close();
  });

  it("refuses a database written by a newer slashbuild (a downgrade) and leaves it untouched", () => {
    const file = tempDb();
    openDatabase(file).close();
    const newer = new Database(file);
    newer.exec("CREATE TABLE from_the_future (x INTEGER)");
    newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    newer.close();

    let caught: unknown;
    try {
      openDatabase(file);
    } catch (error) {
      caught = error;
    }
    expect(isSlashbuildError(caught) && caught.code).toBe("DATABASE_TOO_NEW");
    expect((caught as Error).message).toContain(`schema version ${MIGRATIONS.length + 1}`);
    expect((caught as Error).message).toContain("restore the backup");

    const check = new Database(file);
    expect(check.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length + 1);
    check.close();
  });
});
