import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..", "..");

/**
 * The project's install configuration: better-sqlite3 compiles from source (no prebuilt binary
 * from outside the npm registry), and npm has nothing to warn about on every `npx slashbuild`.
 */
describe("npm configuration of the project", () => {
  it("npm commands in the project print no warning about unknown project config", async () => {
    const { stdout, stderr } = await exec("npm", ["pkg", "get", "name"], { cwd: ROOT });
    expect(stdout.trim()).toBe('"slashbuild"');
    expect(stderr).not.toMatch(/npm warn/i);
  });

  it("prebuild-install, run where better-sqlite3 installs, is told to build from source", async () => {
    // The configuration prebuild-install computes for better-sqlite3, read from the same places.
    const script =
      'const rc = require("../prebuild-install/rc.js"); console.log(JSON.stringify(rc(require("./package.json"))))';
    const { stdout } = await exec(process.execPath, ["-e", script], {
      cwd: path.join(ROOT, "node_modules", "better-sqlite3"),
      // As under `npm ci` without .npmrc: no build_from_source in the environment.
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(JSON.parse(stdout)).toMatchObject({ buildFromSource: true });
  });
});
