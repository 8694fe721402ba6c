import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isSlashbuildError } from "../core/errors.js";
import type { CliIo } from "./cli-io.js";
import { COMMANDS, type Command } from "./commands.js";
import { readEnvFile } from "./env-file.js";

export type { CliIo } from "./cli-io.js";

const HELP = `slashbuild: Mattermost slash command → build → status back in the channel

Usage:
${Object.values(COMMANDS)
  .flatMap((command) =>
    command.usage.map((usage, i) => `  slashbuild ${usage.padEnd(52)}${i === 0 ? command.summary : ""}`),
  )
  .join("\n")}
  slashbuild COMMAND --help${" ".repeat(37)}that command's options
  slashbuild --version${" ".repeat(42)}the version

The bundled example: slashbuild serve --config examples/slashbuild.yaml
Errors carry a code; docs/errors.md says what each means and what to do.`;

function commandHelp(command: Command): string {
  return `${command.usage.map((usage) => `Usage: slashbuild ${usage}`).join("\n")}\n\n${command.summary}.\n${command.help}\n`;
}

/** package.json's version: dist/cli/ and src/cli/ are both two folders below it. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** Runs one CLI invocation and returns the exit code. Never calls process.exit itself. */
export async function runCli(
  argv: readonly string[],
  io: CliIo = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    io.out.write(`slashbuild ${version()}\n`);
    return 0;
  }
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.out.write(`${HELP}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err.write(`slashbuild: CLI_USAGE: unknown command '${name}'.\n\n${HELP}\n`);
    return 2;
  }
  try {
    const {
      values,
      positionals,
    }: { values: Record<string, string | boolean | undefined>; positionals: string[] } = parseArgs({
      args: [...rest],
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
    });
    if (values.help) {
      io.out.write(commandHelp(command));
      return 0;
    }
    const file = typeof values["env-file"] === "string" ? values["env-file"] : undefined;
    const envFile = file ? readEnvFile(file) : {};
    return await command.run({ values, positionals, env: { ...process.env, ...envFile }, envFile }, io);
  } catch (error) {
    return report(error, name, command, io);
  }
}

/** Every error with its code (docs/errors.md); a command-line mistake with the command's usage. */
function report(error: unknown, name: string, command: Command, io: CliIo): number {
  if (isSlashbuildError(error)) {
    io.err.write(`slashbuild: ${error.code}: ${error.message}\n`);
    if (error.code !== "CLI_USAGE") return 1;
    io.err.write(
      `${command.usage.map((usage) => `Usage: slashbuild ${usage}`).join("\n")}\nMore: slashbuild ${name} --help\n`,
    );
    return 2;
  }
  // parseArgs' own refusals (an unknown option, a missing value) are command-line mistakes too.
  if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    io.err.write(`slashbuild: CLI_USAGE: ${(error as Error).message}\nMore: slashbuild ${name} --help\n`);
    return 2;
  }
  io.err.write(`slashbuild: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  return 2;
}
