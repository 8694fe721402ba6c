import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { isSlashbuildError } from "../core/errors.js";
import { backupCommand } from "./backup.js";
import { buildbotConfigCommand } from "./buildbot-config.js";
import { checkConfigCommand } from "./check-config.js";
import { hashPasswordCommand } from "./hash-password.js";
import { serveCommand } from "./serve.js";
import { tryCommand } from "./try.js";

const HELP = `slashbuild: Mattermost slash command → build → status back in the channel

Usage:
  slashbuild serve --config FILE          start the service
  slashbuild try [--config FILE] "TEXT"   send a slash command to the running service, follow the build
  slashbuild check-config FILE            validate a config file; exits 1 with the reasons
  slashbuild backup --config FILE DEST    copy the database safely, even while serve runs
  slashbuild hash-password                hash a password read from stdin, for web.users
  slashbuild buildbot-config --config FILE  print a Buildbot master.cfg for the repos with backend: buildbot
  slashbuild help                         show this

The bundled example: slashbuild serve --config examples/slashbuild.yaml`;

export interface CliIo {
  readonly out: Writable;
  readonly err: Writable;
}

/** Runs one CLI invocation and returns the exit code. Never calls process.exit itself. */
export async function runCli(
  argv: readonly string[],
  io: CliIo = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
    });
    if (values.help || command === undefined || command === "help" || command === "--help") {
      io.out.write(`${HELP}\n`);
      return command === undefined ? 1 : 0;
    }
    switch (command) {
      case "serve":
        return await serveCommand(values.config ?? positionals[0], io);
      case "check-config":
        return checkConfigCommand(positionals[0] ?? values.config, io);
      case "buildbot-config":
        return buildbotConfigCommand(values.config ?? positionals[0], io);
      case "backup":
        return await backupCommand(values.config, positionals[0], io);
      case "hash-password":
        return await hashPasswordCommand(io);
      case "try":
        return await tryCommand(values.config ?? "examples/slashbuild.yaml", positionals.join(" "), io);
      default:
        io.err.write(`slashbuild: unknown command '${command}'.\n\n${HELP}\n`);
        return 2;
    }
  } catch (error) {
    if (isSlashbuildError(error)) {
      io.err.write(`slashbuild: ${error.message}\n`);
      return 1;
    }
    io.err.write(`slashbuild: ${(error as Error).message}\n`);
    return 2;
  }
}
