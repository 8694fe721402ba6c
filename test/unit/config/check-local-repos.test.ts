import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { checkLocalRepos } from "../../../src/config/check-local-repos.js";
import { parseConfig } from "../../../src/config/load-config.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function config(dir: string, repos: Record<string, Record<string, unknown>>) {
  return parseConfig(
    stringify({
      public_url: "http://127.0.0.1:8080",
      mattermost: { token: "t" },
      buildbot: {
        url: "http://127.0.0.1:8010",
        username: "u",
        password: "p",
        status_secret: "0123456789abcdef0123",
      },
      repos,
    }),
    { baseDir: dir, env: {}, file: path.join(dir, "slashbuild.yaml") },
  );
}

/** Issue 22 item 19: check-config accepted a local url that does not exist. */
describe("checkLocalRepos", () => {
  it("refuses an embedded runner's local path that does not exist, naming the key and the folder relative paths start from", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-repos-"));
    dirs.push(dir);
    const missing = config(dir, {
      app: { url: "./app.git", commands: ["true"] },
      other: { url: pathToFileURL(path.join(dir, "other.git")).href, commands: ["true"] },
    });
    expect(() => checkLocalRepos(missing)).toThrow(
      new RegExp(
        `repos\\.app\\.url: ${path.join(dir, "app.git")} does not exist[\\s\\S]*repos\\.other\\.url: ${path.join(dir, "other.git")} does not exist[\\s\\S]*folder, ${dir}`,
      ),
    );
  });

  it("accepts paths that exist, remote urls, and Buildbot's repos (their workers clone them)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-repos-"));
    dirs.push(dir);
    const fine = config(dir, {
      here: { url: dir, commands: ["true"] },
      remote: { url: "https://github.com/acme/app.git", commands: ["true"] },
      ssh: { url: "git@github.com:acme/app.git", commands: ["true"] },
      worker: { url: "/srv/on-the-worker.git", commands: ["true"], backend: "buildbot" },
    });
    expect(() => checkLocalRepos(fine)).not.toThrow();
  });
});
