import path from "node:path";
import { loadConfig } from "../config/load-config.js";
import { backupDatabase } from "../store/backup-database.js";
import { type CliArgs, type CliIo, stringValue, usageError } from "./cli-io.js";

/** `slashbuild backup --config FILE DEST`: a consistent copy of the database (0600), safe while serve runs. */
export async function backupCommand(args: CliArgs, io: CliIo): Promise<number> {
  const file = stringValue(args, "config");
  const destination = args.positionals[0];
  if (!file || !destination) throw usageError("backup needs --config FILE and a destination file");
  const config = loadConfig(file, { env: args.env });
  const database = path.join(config.dataDir, "slashbuild.db");
  await backupDatabase(database, destination);
  io.out.write(`backed up ${database} to ${destination} (mode 600)\n`);
  return 0;
}
