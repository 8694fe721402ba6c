import { checkLocalRepos } from "../config/check-local-repos.js";
import { loadConfig } from "../config/load-config.js";
import { runServer } from "../main.js";
import { type CliArgs, type CliIo, stringValue, usageError } from "./cli-io.js";

export async function serveCommand(args: CliArgs, io: CliIo): Promise<number> {
  const file = stringValue(args, "config") ?? args.positionals[0];
  if (!file)
    throw usageError("serve needs --config FILE, e.g. slashbuild serve --config examples/slashbuild.yaml");
  const config = loadConfig(file, { env: args.env });
  checkLocalRepos(config);
  // As under the unit's EnvironmentFile: the whole process (git, the build environment's PATH…) sees them.
  Object.assign(process.env, args.envFile);
  await runServer(config, { out: io.out });
  return 0;
}
