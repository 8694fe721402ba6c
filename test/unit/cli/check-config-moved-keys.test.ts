import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/index.js";

/** check-config accepts a file that writes moved keys in their old place, and says how to update it. */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { text: () => chunks.join("") });
}

async function check(yaml: string): Promise<{ code: number; out: string; err: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-cc-"));
  dirs.push(dir);
  const file = path.join(dir, "slashbuild.yaml");
  writeFileSync(
    file,
    `public_url: http://x\n${yaml}\nrepos: {a: {url: "https://git.example.com/a.git", commands: ["true"]}}\n`,
  );
  const out = sink();
  const err = sink();
  const code = await runCli(["check-config", file], { out, err });
  return { code, out: out.text(), err: err.text() };
}

describe("check-config and keys that moved", () => {
  it("passes a file with mattermost.admins and mattermost.channels, and says where they go now", async () => {
    const result = await check("mattermost: {token: t, channels: [ci], admins: [alice]}");
    expect(result.code).toBe(0);
    expect(result.out).toContain("is valid");
    expect(result.err).toBe(
      [
        "slashbuild: warning: mattermost.channels has moved to access.channels: move it there (the old place is still read, for now)",
        "slashbuild: warning: mattermost.admins has moved to access.admins: move it there (the old place is still read, for now)",
        "",
      ].join("\n"),
    );
  });

  it("says nothing more about a file in the current shape", async () => {
    const result = await check("mattermost: {token: t}\naccess: {channels: [ci], admins: [alice]}");
    expect(result).toMatchObject({ code: 0, err: "" });
  });
});
