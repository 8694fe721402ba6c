import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/index.js";

/** check-config holds `forges:` to the host list, as serve does: a host slashbuild does not serve fails here first. */

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

async function check(forges: string): Promise<{ code: number; err: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-cc-"));
  dirs.push(dir);
  const file = path.join(dir, "slashbuild.yaml");
  writeFileSync(
    file,
    `public_url: http://x\nmattermost: {token: t}\nforges: ${forges}\nrepos: {a: {url: "https://git.example.com/a.git", commands: ["true"]}}\n`,
  );
  const out = sink();
  const err = sink();
  const code = await runCli(["check-config", file], { out, err });
  return { code, err: err.text() };
}

describe("check-config and the Git hosts", () => {
  it("refuses a host slashbuild does not serve, and a Gitea without its API, naming the key", async () => {
    const unknown = await check("{bitbucket: {}}");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("forges.bitbucket: slashbuild serves no Git host named bitbucket");
    const gitea = await check("{gitea: {}}");
    expect(gitea.code).toBe(1);
    expect(gitea.err).toContain("forges.gitea.api_url: is required for Gitea");
  });

  it("accepts the hosts it serves", async () => {
    expect(
      await check("{github: {}, gitlab: {}, gitea: {api_url: 'https://git.example.com/api/v1'}}"),
    ).toEqual({
      code: 0,
      err: "",
    });
  });
});
