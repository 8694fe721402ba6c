import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { hashPasswordCommand } from "../../../src/cli/hash-password.js";
import { verifyPassword } from "../../../src/web/auth/password-hash.js";
import { makeConfig } from "../../helpers/make-config.js";

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { io: { out, err }, text: () => text };
}

describe("slashbuild hash-password", () => {
  it("prints a hash of the first stdin line that the config accepts and that verifies", async () => {
    const run = io();
    expect(await hashPasswordCommand(run.io, Readable.from(["s3cret pass\nignored\n"]))).toBe(0);
    const hash = run.text().trim();
    expect(await verifyPassword("s3cret pass", hash)).toBe(true);
    expect(makeConfig({ web: { users: { bob: hash } } }).web.users.bob).toBe(hash);
  });

  it("refuses an empty password, and the config refuses a plain one", async () => {
    expect(await hashPasswordCommand(io().io, Readable.from(["\n"]))).toBe(2);
    expect(() => makeConfig({ web: { users: { bob: "plain" } } })).toThrow(/hash-password/);
  });
});
