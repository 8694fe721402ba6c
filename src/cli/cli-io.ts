import type { Readable, Writable } from "node:stream";
import { SlashbuildError } from "../core/errors.js";

export interface CliIo {
  readonly out: Writable;
  readonly err: Writable;
  /** Where hash-password reads the password: stdin unless a test gives another stream. */
  readonly input?: Readable;
}

/** What a command got on its command line, and the environment its config reads (`--env-file` applied). */
export interface CliArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The variables read from `--env-file`, which `serve` gives the whole process as the unit would. */
  readonly envFile: Readonly<Record<string, string>>;
}

/** A mistake on the command line: runCli prints it with the command's usage and exits 2. */
export function usageError(message: string): SlashbuildError {
  return new SlashbuildError("CLI_USAGE", message);
}

export function stringValue(args: CliArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}
