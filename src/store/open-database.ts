import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { SlashbuildError } from "../core/errors.js";
import { MIGRATIONS } from "./migrations.js";

export type Db = Database.Database;

/**
 * Opens (creating if needed) the SQLite file and brings its schema up to date.
 * WAL lets the web pages read while builds write; synchronous=NORMAL is durable across process
 * crashes (the case that matters here) and much faster than FULL per acknowledged command.
 */
export function openDatabase(file: string): Db {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  try {
    migrate(db, file);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function migrate(db: Db, file: string): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  // A newer slashbuild wrote this file (a downgrade): its tables may mean things this code does
  // not know, and writing to them could lose data. Refuse before touching anything.
  if (current > MIGRATIONS.length) {
    throw new SlashbuildError(
      "DATABASE_TOO_NEW",
      `the database ${file} has schema version ${current}, but this slashbuild knows only up to ${MIGRATIONS.length}: ` +
        "it was written by a newer slashbuild. Run that newer version again, or restore the backup taken before the upgrade.",
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
