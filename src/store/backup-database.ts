import { closeSync, existsSync, openSync, rmSync } from "node:fs";
import Database from "better-sqlite3";
import { SlashbuildError } from "../core/errors.js";

/**
 * Copies the SQLite file with SQLite's online backup API: consistent even while the service
 * writes (a plain `cp` of a WAL database can miss or tear recent writes). Opens the source
 * read-only, so a backup never migrates or changes it. The copy holds everything the database
 * does (builds, pending posts, sessions), so it is created 0600 whatever the umask (issue 22: it
 * was 0644), and never over an existing file.
 */
export async function backupDatabase(source: string, destination: string): Promise<void> {
  if (!existsSync(source)) {
    throw new SlashbuildError(
      "CONFIG_NOT_FOUND",
      `no database at ${source}: check data_dir in the config (slashbuild creates the file at its first start)`,
    );
  }
  let created: number;
  try {
    // Exclusive: nobody else's file is ever written through, and an existing one is refused.
    created = openSync(destination, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    throw new SlashbuildError(
      "REQUEST_INVALID",
      `${destination} already exists: give a new file name (a backup never overwrites)`,
    );
  }
  closeSync(created);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    // SQLite writes into the empty file it is given, keeping its mode.
    await db.backup(destination);
  } catch (error) {
    rmSync(destination, { force: true });
    throw error;
  } finally {
    db.close();
  }
}
