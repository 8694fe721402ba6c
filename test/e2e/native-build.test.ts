import { execFile } from "node:child_process";
import { readFile, realpath, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/service-process.js";
import { tempDirPerTest } from "../helpers/temp-dir-per-test.js";

const exec = promisify(execFile);
const newDir = tempDirPerTest("slashbuild-gyp-");
const SHIM = path.join(ROOT, "scripts", "node-gyp", "node-gyp.js");

/** A proxy nobody listens on: any download node-gyp tries fails at once instead of reaching nodejs.org. */
const NO_DOWNLOADS = {
  http_proxy: "http://127.0.0.1:9",
  https_proxy: "http://127.0.0.1:9",
  HTTP_PROXY: "http://127.0.0.1:9",
  HTTPS_PROXY: "http://127.0.0.1:9",
  npm_config_proxy: "http://127.0.0.1:9",
  npm_config_https_proxy: "http://127.0.0.1:9",
};

async function run(file: string, args: string[], options: { cwd: string; env: Record<string, string> }) {
  try {
    const { stdout, stderr } = await exec(file, args, { ...options, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** npm's own node-gyp, as npm names it to install steps (npm_config_node_gyp), read without any user config. */
async function npmNodeGyp(home: string): Promise<string> {
  const { stdout } = await exec("npm", ["config", "get", "node-gyp"], {
    cwd: home,
    env: { PATH: process.env.PATH ?? "", HOME: home, npm_config_userconfig: "/dev/null" },
  });
  return stdout.trim();
}

/** The smallest Node-API addon: exports answer() → 42. */
async function writeAddon(dir: string): Promise<void> {
  await writeFile(
    path.join(dir, "binding.gyp"),
    JSON.stringify({ targets: [{ target_name: "answer", sources: ["answer.c"] }] }),
  );
  await writeFile(
    path.join(dir, "answer.c"),
    [
      "#include <node_api.h>",
      "static napi_value answer(napi_env env, napi_callback_info info) {",
      "  napi_value v; napi_create_int32(env, 42, &v); return v;",
      "}",
      "NAPI_MODULE_INIT() {",
      "  napi_value fn;",
      '  napi_create_function(env, "answer", NAPI_AUTO_LENGTH, answer, NULL, &fn);',
      '  napi_set_named_property(env, exports, "answer", fn);',
      "  return exports;",
      "}",
      "",
    ].join("\n"),
  );
}

/**
 * Issue 22 item 1: `npm ci` compiles better-sqlite3, and must do so for a user without this
 * machine's npm settings (no `nodedir`), from the npm registry alone. The project's node-gyp
 * (scripts/node-gyp, first on PATH for install steps) uses the running Node's own headers, and
 * stops at once, naming the packages, when the compiler is missing.
 */
describe("compiling native addons during npm ci", () => {
  it.each([
    { runner: "npm's node-gyp alone", useShim: false },
    { runner: "the project's node-gyp", useShim: true },
  ])(
    "$runner, for a user without npm settings and with no download (only the project's compiles)",
    async ({ useShim }) => {
      const home = await newDir();
      const addon = await newDir();
      await writeAddon(addon);
      const nodeGyp = await npmNodeGyp(home);
      // Only what a user without any npm config has: no npm_config_nodedir from this machine.
      const env = { PATH: process.env.PATH ?? "", HOME: home, npm_config_node_gyp: nodeGyp, ...NO_DOWNLOADS };
      const built = await run(process.execPath, [useShim ? SHIM : nodeGyp, "rebuild"], { cwd: addon, env });
      if (!useShim) {
        // Without the project's node-gyp, node-gyp fetches Node's headers from nodejs.org.
        expect(built.code).not.toBe(0);
        expect(built.stderr).toMatch(/headers\.tar\.gz|network|proxy/i);
        return;
      }
      expect(built.stderr).not.toContain("gyp ERR!");
      expect(built.code).toBe(0);
      const config = await readFile(path.join(addon, "build", "config.gypi"), "utf8");
      expect(config).toContain(`"nodedir": "${path.resolve(path.dirname(process.execPath), "..")}"`);
      const loaded = await exec(process.execPath, [
        "-e",
        `console.log(require(${JSON.stringify(path.join(addon, "build", "Release", "answer.node"))}).answer())`,
      ]);
      expect(loaded.stdout.trim()).toBe("42");
    },
  );

  it("stops at once, naming build-essential and python3, when the compiler is missing", async () => {
    const home = await newDir();
    const addon = await newDir();
    await writeAddon(addon);
    const bin = await newDir();
    await symlink(process.execPath, path.join(bin, "node"));
    const result = await run(process.execPath, [SHIM, "rebuild"], {
      cwd: addon,
      env: { PATH: bin, HOME: home, npm_config_node_gyp: await npmNodeGyp(home), ...NO_DOWNLOADS },
    });
    expect(result.code).toBe(1);
    for (const missing of ["python3", "make", "a C compiler (cc)", "a C++ compiler (g++)"]) {
      expect(result.stderr).toContain(`  - ${missing}`);
    }
    expect(result.stderr).toContain("sudo apt-get install -y build-essential python3");
    expect(result.stderr).not.toContain("gyp");
  });

  it("npm gives dependencies' install steps the project's node-gyp", async () => {
    // install-links (.npmrc) installs scripts/node-gyp as a package whose bin npm links before
    // any install step runs; node_modules/.bin comes before npm's own node-gyp on their PATH.
    const { stdout } = await exec("npm", ["exec", "-c", "command -v node-gyp"], { cwd: ROOT });
    const found = await realpath(stdout.trim());
    expect(await readFile(found, "utf8")).toBe(await readFile(SHIM, "utf8"));
    const { stdout: links } = await exec("npm", ["config", "get", "install-links"], { cwd: ROOT });
    expect(links.trim()).toBe("true");
  });
});
