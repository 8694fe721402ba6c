import { loadConfig } from "../config/load-config.js";
import { runServer } from "../main.js";
import type { CliIo } from "./index.js";

export async function serveCommand(file: string | undefined, io: CliIo): Promise<number> {
  if (!file) {
    io.err.write(
      "slashbuild: serve needs --config FILE, e.g. slashbuild serve --config examples/slashbuild.yaml\n",
    );
    return 2;
  }
  await runServer(loadConfig(file), { out: io.out });
  return 0;
}
