import { chmodSync, mkdirSync } from "node:fs";
import path from "node:path";
import { SlashbuildError } from "../core/errors.js";

/**
 * Creates data_dir, 0700 (only slashbuild may enter it: the database, logs, mirrors and workspaces
 * are its own), or says why it cannot, naming the key and where a relative value led: the
 * unedited example installed in /etc/slashbuild/ resolved `../data` to /etc/data, and the error
 * was a bare `EACCES … mkdir` (issue 22).
 */
export function makeDataDir(dataDir: string, configFile: string | undefined): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
  } catch (error) {
    const relative = configFile
      ? ` A relative data_dir resolves against the config file's folder, ${path.dirname(configFile)}.`
      : "";
    throw new SlashbuildError(
      "DATA_DIR_UNUSABLE",
      `data_dir is ${dataDir}, and slashbuild cannot make it its own: ${(error as Error).message}.${relative} ` +
        "Set data_dir to a folder the user slashbuild runs as may create or owns, e.g. /var/lib/slashbuild.",
      { cause: error },
    );
  }
}
