import path from "node:path";
import { generateMasterCfg } from "../backends/buildbot/generate-master-cfg.js";
import { writeWwwStub } from "../backends/buildbot/www-stub.js";
import { loadConfig } from "../config/load-config.js";
import type { CliIo } from "./index.js";

/**
 * `slashbuild buildbot-config --config FILE`: prints a complete master.cfg for the repos with
 * `backend: buildbot`. `--www-stub DIR` instead writes the `base` www plugin Debian lacks into DIR.
 */
export function buildbotConfigCommand(file: string | undefined, io: CliIo, wwwStub?: string): number {
  if (wwwStub !== undefined) {
    const dir = writeWwwStub(path.resolve(wwwStub));
    io.out.write(
      `Wrote the Buildbot www stub into ${dir}.\nStart the master with it on PYTHONPATH: PYTHONPATH=${dir} buildbot start MASTER_DIR\n`,
    );
    return 0;
  }
  if (!file) {
    io.err.write(
      "slashbuild: buildbot-config needs --config FILE, e.g. slashbuild buildbot-config --config slashbuild.yaml > master.cfg\n",
    );
    return 2;
  }
  const config = loadConfig(file);
  if (!config.buildbot) {
    io.err.write(
      "slashbuild: the config has no buildbot: section; add one (see docs/configuration.md#buildbot)\n",
    );
    return 1;
  }
  io.out.write(generateMasterCfg(config, config.buildbot));
  return 0;
}
