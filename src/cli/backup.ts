import path from "node:path";
import { loadConfig } from "../config/load-config.js";
import { backupDatabase } from "../store/backup-database.js";
import type { CliIo } from "./index.js";

/** `slashbuild backup --config FILE DEST`: a consistent copy of the database, safe while serve runs. */
export async function backupCommand(file: string | undefined, destination: string | undefined, io: CliIo) {
  if (!file || !destination) {
    io.err.write(
      "slashbuild: backup needs --config FILE and a destination: slashbuild backup --config FILE DEST\n",
    );
    return 2;
  }
  const config = loadConfig(file);
  await backupDatabase(path.join(config.dataDir, "slashbuild.db"), destination);
  io.out.write(`backed up ${path.join(config.dataDir, "slashbuild.db")} to ${destination}\n`);
  return 0;
}
