import { loadConfig } from "../config/load-config.js";
import type { CliIo } from "./index.js";

/** `slashbuild check-config FILE`: loads the file exactly as `serve` would. Errors propagate to runCli. */
export function checkConfigCommand(file: string | undefined, io: CliIo): number {
  if (!file) {
    io.err.write("slashbuild: check-config needs a file: slashbuild check-config examples/slashbuild.yaml\n");
    return 2;
  }
  const config = loadConfig(file);
  const repos = Object.values(config.repos).map(
    (repo) => `${repo.name} (${repo.backend}, ${repo.defaultBranch})`,
  );
  io.out.write(`${file} is valid: ${repos.length} repo(s): ${repos.join(", ")}\n`);
  return 0;
}
