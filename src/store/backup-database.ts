import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { SlashbuildError } from "../core/errors.js";

/**
 * Copies the SQLite file with SQLite's online backup API: consistent even while the service
 * writes (a plain `cp` of a WAL database can miss or tear recent writes). Opens the source
 * read-only, so a backup never migrates or changes it.
 */
export async function backupDatabase(source: string, destination: string): Promise<void> {
  if (!existsSync(source)) {
    throw new SlashbuildError(
      "CONFIG_NOT_FOUND",
      `no database at ${source}: check data_dir in the config (slashbuild creates the file at its first start)`,
    );
  }
  if (existsSync(destination)) {
    throw new SlashbuildError(
      "REQUEST_INVALID",
      `${destination} already exists: give a new file name (a backup never overwrites)`,
    );
  }
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(destination);
  } finally {
    db.close();
  }
}
