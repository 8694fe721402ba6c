import type { Readable } from "node:stream";
import { SlashbuildError } from "../core/errors.js";
import { hashPassword } from "../web/auth/password-hash.js";
import type { CliArgs, CliIo } from "./cli-io.js";

/**
 * Shorter passwords are refused (issue 22: "short" was accepted). A web.users password is the only
 * factor of its sign-in, and NIST SP 800-63B-4 asks 15 characters of a single-factor password;
 * a few words make one that is easy to remember.
 */
export const MIN_PASSWORD_LENGTH = 15;

type Terminal = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/** The first line of a pipe. Never from argv, which other users can see in the process list. */
async function readLine(input: Readable): Promise<string> {
  let text = "";
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text.split(/\r?\n/)[0] ?? "";
}

/**
 * Lines typed on a terminal in raw mode: nothing is echoed (issue 22: the password showed as it
 * was typed). Backspace edits; Ctrl-C and Ctrl-D give up. Raw mode is set before each prompt is
 * written, so nothing typed after the prompt is ever echoed.
 */
async function readHidden(input: Terminal, io: CliIo, prompts: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  let current = "";
  input.setRawMode?.(true);
  io.err.write(prompts[0] ?? "");
  try {
    for await (const chunk of input) {
      for (const char of String(chunk)) {
        if (char === "\u0003" || (char === "\u0004" && current === "")) {
          throw new SlashbuildError("PASSWORD_REJECTED", "no password given: hash-password was interrupted");
        }
        if (char === "\r" || char === "\n") {
          lines.push(current);
          current = "";
          io.err.write("\n");
          if (lines.length === prompts.length) return lines;
          io.err.write(prompts[lines.length] ?? "");
        } else if (char === "\u007f" || char === "\b") {
          current = [...current].slice(0, -1).join("");
        } else if (char >= " ") {
          current += char;
        }
      }
    }
    throw new SlashbuildError("PASSWORD_REJECTED", "no password given: the input ended");
  } finally {
    input.setRawMode?.(false);
    input.pause();
  }
}

/**
 * `slashbuild hash-password`: prints the scrypt hash of a password for `web.users`. On a terminal
 * it asks twice without showing it; piped, it reads the first line (`... | slashbuild hash-password`).
 */
export async function hashPasswordCommand(_args: CliArgs, io: CliIo): Promise<number> {
  const input = (io.input ?? process.stdin) as Terminal;
  let password: string;
  if (input.isTTY && input.setRawMode) {
    const [first, again] = await readHidden(input, io, ["Password (not shown): ", "Again: "]);
    if (first !== again) {
      throw new SlashbuildError("PASSWORD_REJECTED", "the two passwords differ: run hash-password again");
    }
    password = first ?? "";
  } else {
    password = await readLine(input);
  }
  const length = [...password].length;
  if (length === 0) throw new SlashbuildError("PASSWORD_REJECTED", "hash-password read an empty password");
  if (length < MIN_PASSWORD_LENGTH) {
    throw new SlashbuildError(
      "PASSWORD_REJECTED",
      `that password has ${length} characters; use at least ${MIN_PASSWORD_LENGTH} (a few words are easiest to remember)`,
    );
  }
  io.out.write(`${await hashPassword(password)}\n`);
  return 0;
}
