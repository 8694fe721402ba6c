import type { ParseArgsConfig } from "node:util";
import { backupCommand } from "./backup.js";
import { buildbotConfigCommand } from "./buildbot-config.js";
import { checkConfigCommand } from "./check-config.js";
import type { CliArgs, CliIo } from "./cli-io.js";
import { hashPasswordCommand } from "./hash-password.js";
import { serveCommand } from "./serve.js";
import { tryCommand } from "./try.js";

export interface Command {
  /** One line per form, without the leading "slashbuild ". */
  readonly usage: readonly string[];
  readonly summary: string;
  /** What `slashbuild COMMAND --help` adds below the usage. */
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  run(args: CliArgs, io: CliIo): Promise<number>;
}

const config = { type: "string", short: "c" } as const;
const envFile = { type: "string" } as const;
const ENV_FILE_HELP =
  "  --env-file FILE   first read NAME=value lines (the unit's EnvironmentFile), for the config's $" +
  "{NAME}";

export const COMMANDS: Readonly<Record<string, Command>> = {
  serve: {
    usage: ["serve --config FILE [--env-file FILE]"],
    summary: "start the service",
    help: `Starts the service on FILE's listen address; SIGTERM or SIGINT stop it gracefully.\n${ENV_FILE_HELP}`,
    options: { config, "env-file": envFile },
    run: serveCommand,
  },
  try: {
    usage: ['try [--config FILE] [--env-file FILE] "TEXT"'],
    summary: "send a slash command to the running service, follow the build",
    help: [
      "Sends TEXT to the service FILE describes (default examples/slashbuild.yaml) as Mattermost would,",
      "prints the answer, and follows the build it queued. Exits 1 on a refusal or a build that did not succeed.",
      ENV_FILE_HELP,
    ].join("\n"),
    options: { config, "env-file": envFile },
    run: tryCommand,
  },
  "check-config": {
    usage: ["check-config [--env-file FILE] FILE"],
    summary: "validate a config file; exits 1 with every problem",
    help: `Reads FILE as serve would, and checks that local repo paths exist.\n${ENV_FILE_HELP}`,
    options: { config, "env-file": envFile },
    run: checkConfigCommand,
  },
  backup: {
    usage: ["backup --config FILE [--env-file FILE] DEST"],
    summary: "copy the database safely, even while serve runs",
    help: `Writes a consistent copy of data_dir/slashbuild.db to DEST (a new file, mode 600).\n${ENV_FILE_HELP}`,
    options: { config, "env-file": envFile },
    run: backupCommand,
  },
  "hash-password": {
    usage: ["hash-password"],
    summary: "hash a password for web.users",
    help: "On a terminal, asks for the password twice without showing it; piped, reads the first line.\nAt least 15 characters. Prints the scrypt hash to paste into web.users.",
    options: {},
    run: hashPasswordCommand,
  },
  "buildbot-config": {
    usage: ["buildbot-config --config FILE [--env-file FILE]", "buildbot-config --www-stub DIR"],
    summary: "print a Buildbot master.cfg, or write the www plugin stub Debian lacks",
    help: [
      "--config FILE prints a complete master.cfg for the repos with backend: buildbot.",
      "--www-stub DIR writes the `base` www plugin Debian's buildbot lacks into DIR (put DIR on PYTHONPATH).",
      ENV_FILE_HELP,
    ].join("\n"),
    options: { config, "env-file": envFile, "www-stub": { type: "string" } },
    run: buildbotConfigCommand,
  },
};
