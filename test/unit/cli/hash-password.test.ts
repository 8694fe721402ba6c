import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliArgs } from "../../../src/cli/cli-io.js";
import { hashPasswordCommand, MIN_PASSWORD_LENGTH } from "../../../src/cli/hash-password.js";
import { isSlashbuildError } from "../../../src/core/errors.js";
import { verifyPassword } from "../../../src/web/auth/password-hash.js";
import { makeConfig } from "../../helpers/make-config.js";

const NO_ARGS: CliArgs = { values: {}, positionals: [], env: {}, envFile: {} };
const LONG = "correct horse battery staple";

function capture() {
  const out = new PassThrough();
  const err = new PassThrough();
  const written = { out: "", err: "" };
  out.on("data", (chunk: Buffer) => {
    written.out += chunk.toString();
  });
  err.on("data", (chunk: Buffer) => {
    written.err += chunk.toString();
  });
  return { out, err, written };
}

/** A terminal as Node gives it: a stream with isTTY and setRawMode, recording what happened when. */
function fakeTerminal(typed: string[], events: string[]) {
  const terminal = Readable.from(typed) as Readable & { isTTY: boolean; setRawMode(raw: boolean): void };
  terminal.isTTY = true;
  terminal.setRawMode = (raw: boolean) => {
    events.push(`raw:${raw}`);
  };
  return terminal;
}

async function refusal(run: Promise<number>): Promise<string> {
  try {
    await run;
  } catch (error) {
    if (isSlashbuildError(error) && error.code === "PASSWORD_REJECTED") return error.message;
    throw error;
  }
  throw new Error("expected PASSWORD_REJECTED");
}

describe("slashbuild hash-password", () => {
  it("prints a hash of the first piped line that the config accepts and that verifies", async () => {
    const io = capture();
    const input = Readable.from([`${LONG}\nignored\n`]);
    expect(await hashPasswordCommand(NO_ARGS, { ...io, input })).toBe(0);
    const hash = io.written.out.trim();
    expect(await verifyPassword(LONG, hash)).toBe(true);
    expect(makeConfig({ web: { users: { bob: hash } } }).web.users.bob).toBe(hash);
  });

  it(`refuses an empty password and one shorter than ${MIN_PASSWORD_LENGTH} characters; the config refuses a plain one`, async () => {
    expect(
      await refusal(hashPasswordCommand(NO_ARGS, { ...capture(), input: Readable.from(["\n"]) })),
    ).toContain("empty");
    const short = "x".repeat(MIN_PASSWORD_LENGTH - 1);
    expect(
      await refusal(hashPasswordCommand(NO_ARGS, { ...capture(), input: Readable.from([`${short}\n`]) })),
    ).toContain(`use at least ${MIN_PASSWORD_LENGTH}`);
    expect(() => makeConfig({ web: { users: { bob: "plain" } } })).toThrow(/hash-password/);
  });

  it("on a terminal, reads it twice in raw mode (nothing echoed), set before each prompt, with backspace", async () => {
    const events: string[] = [];
    const io = capture();
    io.err.on("data", (chunk: Buffer) => events.push(`prompt:${chunk.toString()}`));
    // Typed as a person does: a typo corrected with backspace (DEL), Enter as CR.
    const input = fakeTerminal([`${LONG}x\u007f\r`, `${LONG}\r`], events);
    expect(await hashPasswordCommand(NO_ARGS, { ...io, input })).toBe(0);
    expect(await verifyPassword(LONG, io.written.out.trim())).toBe(true);
    expect(events[0]).toBe("raw:true");
    expect(events[1]).toBe("prompt:Password (not shown): ");
    expect(events.at(-1)).toBe("raw:false");
    expect(io.written.err).not.toContain("horse");
  });

  it("on a terminal, refuses two different passwords, and gives up on Ctrl-C", async () => {
    const differ = fakeTerminal([`${LONG}\r`, `${LONG}!\r`], []);
    expect(await refusal(hashPasswordCommand(NO_ARGS, { ...capture(), input: differ }))).toContain("differ");
    const events: string[] = [];
    const interrupted = fakeTerminal(["corr\u0003"], events);
    expect(await refusal(hashPasswordCommand(NO_ARGS, { ...capture(), input: interrupted }))).toContain(
      "interrupted",
    );
    expect(events.at(-1)).toBe("raw:false");
  });
});
