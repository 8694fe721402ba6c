import { mkdirSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { SlashbuildError } from "../core/errors.js";
import { MIGRATIONS } from "./migrations.js";

export type Db = Database.Database;

/**
 * Opens (creating if needed) the SQLite file, brings its schema up to date, and proves it takes a
 * write. WAL lets the web pages read while builds write; synchronous=NORMAL is durable across
 * process crashes (the case that matters here) and much faster than FULL per acknowledged command.
 */
export function openDatabase(file: string): Db {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  let db: Db | undefined;
  try {
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db, file);
    proveWritable(db);
    return db;
  } catch (error) {
    db?.close();
    throw isUnwritable(error) ? notWritable(file, error as Error) : error;
  }
}

/**
 * A file this user cannot write opens read-only without a word (SQLite falls back), and a service
 * on it answered /healthz while every command failed (issue 22, after a restore as root). Rewriting
 * user_version with its own value is a real, committed write that changes nothing.
 */
function proveWritable(db: Db): void {
  db.transaction(() => {
    db.pragma(`user_version = ${db.pragma("user_version", { simple: true }) as number}`);
  }).immediate();
}

function isUnwritable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^SQLITE_(READONLY|CANTOPEN|PERM|AUTH)/.test(code);
}

function notWritable(file: string, cause: Error): SlashbuildError {
  const { me, chownTo } = currentUser();
  let owner = "";
  try {
    const stats = statSync(file);
    owner = ` It belongs to uid ${stats.uid}, mode ${(stats.mode & 0o777).toString(8).padStart(4, "0")}.`;
  } catch {}
  return new SlashbuildError(
    "DATABASE_NOT_WRITABLE",
    `slashbuild cannot write its database ${file} (${cause.message}).${owner} ` +
      `It, its -wal and -shm files and data_dir must belong to the user slashbuild runs as (${me}), ` +
      `e.g. after a restore: chown ${chownTo}: ${file} ${file}-wal ${file}-shm (those that exist).`,
    { cause },
  );
}

function currentUser(): { me: string; chownTo: string } {
  const uid = process.getuid?.() ?? -1;
  try {
    const { username } = userInfo();
    return { me: `${username}, uid ${uid}`, chownTo: username };
  } catch {
    // A uid without a passwd entry (a container): chown takes the number.
    return { me: `uid ${uid}`, chownTo: String(uid) };
  }
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
