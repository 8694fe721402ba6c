import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, realpathSync } from "node:fs";
import { copyFile, cp, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { demoConfig, ROOT, ServiceProcess, waitForHealthz } from "../helpers/service-process.js";
import { tempDirPerTest } from "../helpers/temp-dir-per-test.js";

const exec = promisify(execFile);

const newDir = tempDirPerTest("slashbuild-prod-");

/**
 * The README's production install, `npm ci && npm prune --omit=dev`: after the prune no dev
 * dependency (TypeScript, Vitest, …) is left, and `slashbuild serve` still starts and answers.
 * The checkout's own node_modules stands for what `npm ci` installed (hard links, so the copy is
 * cheap; the prune only removes names, and npm rewrites its lock file by rename, not in place).
 */
describe("production install", () => {
  it("runs slashbuild serve after npm prune --omit=dev", async () => {
    const dir = await newDir();
    for (const name of ["package.json", "package-lock.json", ".npmrc"]) {
      if (existsSync(path.join(ROOT, name))) await copyFile(path.join(ROOT, name), path.join(dir, name));
    }
    // scripts/node-gyp is a dependency of the project itself (a local package): prune reads it.
    for (const name of ["bin", "dist", "examples", "scripts"]) {
      await cp(path.join(ROOT, name), path.join(dir, name), { recursive: true });
    }
    // The real folder, never a symlink to it (a worktree's node_modules may be one): a copied link
    // would let the prune below remove packages from the shared install itself.
    await exec("cp", ["-al", realpathSync(path.join(ROOT, "node_modules")), path.join(dir, "node_modules")]);
    // The one file npm might write: a private copy.
    const lock = path.join(dir, "node_modules", ".package-lock.json");
    if (existsSync(lock)) {
      await rm(lock);
      await copyFile(path.join(ROOT, "node_modules", ".package-lock.json"), lock);
    }

    await exec("npm", ["prune", "--omit=dev", "--offline", "--no-audit", "--no-fund"], { cwd: dir });
    for (const dev of ["typescript", "vitest", "@biomejs/biome", "playwright-core", "tsx"]) {
      expect(existsSync(path.join(dir, "node_modules", dev)), `${dev} is pruned`).toBe(false);
    }
    expect(existsSync(path.join(dir, "node_modules", "fastify"))).toBe(true);

    const service = await ServiceProcess.write(
      dir,
      demoConfig(dir, path.join(dir, "examples/demo.bundle"), "prod-test-token-0123456789"),
    );
    const child = spawn(path.join(dir, "bin/slashbuild.js"), ["serve", "--config", service.configFile], {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = once(child, "exit");
    try {
      const health = await waitForHealthz(
        child,
        service.url,
        "the pruned install to answer /healthz",
        () => stderr,
      );
      expect(health.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});
