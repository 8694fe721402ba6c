import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { SlashbuildError } from "../core/errors.js";

/**
 * `--env-file FILE`: the variables the systemd unit's EnvironmentFile gives `serve`, so
 * `check-config`, `backup` and the rest read the production config as the service does (issue 22:
 * they failed on `${SLASHBUILD_TOKEN}` without them). One `NAME=value` a line, `#` comments,
 * quoted values: the format both systemd and Node read. The file's values win over the shell's,
 * as in the unit.
 */
export function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const denied = (error as NodeJS.ErrnoException).code === "EACCES";
    throw new SlashbuildError(
      "CONFIG_NOT_FOUND",
      `cannot read --env-file ${file}: ${(error as Error).message}` +
        (denied ? " (the unit's file is root's, mode 600: run the command with sudo)" : ""),
      { cause: error },
    );
  }
  const parsed = parseEnv(text);
  return Object.fromEntries(
    Object.entries(parsed).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
