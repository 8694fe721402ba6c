import path from "node:path";
import { generateMasterCfg } from "../backends/buildbot/generate-master-cfg.js";
import { writeWwwStub } from "../backends/buildbot/www-stub.js";
import { loadConfig } from "../config/load-config.js";
import { SlashbuildError } from "../core/errors.js";
import { type CliArgs, type CliIo, stringValue, usageError } from "./cli-io.js";

/**
 * `slashbuild buildbot-config --config FILE`: prints a complete master.cfg for the repos with
 * `backend: buildbot`. `--www-stub DIR` instead writes the `base` www plugin Debian lacks into DIR.
 */
export async function buildbotConfigCommand(args: CliArgs, io: CliIo): Promise<number> {
  const wwwStub = stringValue(args, "www-stub");
  if (wwwStub !== undefined) {
    const dir = writeWwwStub(path.resolve(wwwStub));
    io.out.write(
      `Wrote the Buildbot www stub into ${dir}.\nStart the master with it on PYTHONPATH: PYTHONPATH=${dir} buildbot start MASTER_DIR\n`,
    );
    return 0;
  }
  const file = stringValue(args, "config") ?? args.positionals[0];
  if (!file) throw usageError("buildbot-config needs --config FILE (or --www-stub DIR)");
  const config = loadConfig(file, { env: args.env });
  if (!config.buildbot) {
    throw new SlashbuildError(
      "CONFIG_INVALID",
      "the config has no buildbot: section; add one (see docs/configuration.md#buildbot)",
    );
  }
  io.out.write(generateMasterCfg(config, config.buildbot));
  return 0;
}
