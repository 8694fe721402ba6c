import { loadConfig } from "../config/load-config.js";
import { movedKeyAdvice } from "../config/moved-keys.js";
import { configuredForges } from "../forges/configured-forges.js";
import { FORGE_HOSTS } from "../forges/forge-hosts.js";
import type { CliIo } from "./index.js";

/** `slashbuild check-config FILE`: loads the file exactly as `serve` would. Errors propagate to runCli. */
export function checkConfigCommand(file: string | undefined, io: CliIo): number {
  if (!file) {
    io.err.write("slashbuild: check-config needs a file: slashbuild check-config examples/slashbuild.yaml\n");
    return 2;
  }
  const config = loadConfig(file);
  // As serve's createApp does: each forges: entry must name a Git host slashbuild serves.
  configuredForges(config, FORGE_HOSTS);
  const repos = Object.values(config.repos).map(
    (repo) => `${repo.name} (${repo.backend}, ${repo.defaultBranch})`,
  );
  io.out.write(`${file} is valid: ${repos.length} repo(s): ${repos.join(", ")}\n`);
  for (const move of config.movedKeys ?? []) io.err.write(`slashbuild: warning: ${movedKeyAdvice(move)}\n`);
  return 0;
}
