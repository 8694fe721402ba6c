import type { Readable } from "node:stream";
import { hashPassword } from "../web/auth/password-hash.js";
import type { CliIo } from "./index.js";

/** Reads one line: the password. Never from argv, which other users can see in the process list. */
async function readLine(input: Readable): Promise<string> {
  let text = "";
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text.split(/\r?\n/)[0] ?? "";
}

/**
 * `slashbuild hash-password`: prints the scrypt hash of a password read from stdin, for
 * `web.users` in the config (e.g. `printf '%s\n' "$PW" | slashbuild hash-password`).
 */
export async function hashPasswordCommand(io: CliIo, input: Readable = process.stdin): Promise<number> {
  if ((input as { isTTY?: boolean }).isTTY)
    io.err.write("Password (input is shown; pipe it in to hide it): ");
  const password = await readLine(input);
  if (password.length === 0) {
    io.err.write("slashbuild: hash-password read an empty password from stdin\n");
    return 2;
  }
  io.out.write(`${await hashPassword(password)}\n`);
  return 0;
}
