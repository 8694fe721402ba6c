import { checkLocalRepos } from "../config/check-local-repos.js";
import { loadConfig } from "../config/load-config.js";
import { movedKeyAdvice } from "../config/moved-keys.js";
import { configuredForges } from "../forges/configured-forges.js";
import { FORGE_HOSTS } from "../forges/forge-hosts.js";
import { type CliArgs, type CliIo, stringValue, usageError } from "./cli-io.js";

/** `slashbuild check-config FILE`: loads the file exactly as `serve` would. Errors propagate to runCli. */
export async function checkConfigCommand(args: CliArgs, io: CliIo): Promise<number> {
  const file = args.positionals[0] ?? stringValue(args, "config");
  if (!file)
    throw usageError("check-config needs a file, e.g. slashbuild check-config examples/slashbuild.yaml");
  const config = loadConfig(file, { env: args.env });
  // As serve's createApp does: each forges: entry must name a Git host slashbuild serves.
  configuredForges(config, FORGE_HOSTS);
  checkLocalRepos(config);
  const repos = Object.values(config.repos).map(
    (repo) => `${repo.name} (${repo.backend}, ${repo.defaultBranch})`,
  );
  io.out.write(`${file} is valid: ${repos.length} repo(s): ${repos.join(", ")}\n`);
  for (const move of config.movedKeys ?? []) io.err.write(`slashbuild: warning: ${movedKeyAdvice(move)}\n`);
  return 0;
}
