import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  commandName,
  planInstall,
  REQUIREMENTS,
  type Situation,
} from "../../../scripts/install-test-deps.js";
import { loadConfig } from "../../../src/config/load-config.js";

const base: Situation = {
  missing: [],
  isRoot: false,
  hasAptGet: true,
  hasSudo: true,
  interactive: true,
  command: "npm test",
};
const SCRIPT = path.resolve("scripts/install-test-deps.ts");
const TSX = path.resolve("node_modules/.bin/tsx");

describe("planInstall", () => {
  it("does nothing when every package is there", () => {
    expect(planInstall({ ...base, missing: [] })).toEqual({ kind: "nothing" });
  });

  it("as root, updates the package lists and installs exactly the missing packages", () => {
    const plan = planInstall({ ...base, isRoot: true, missing: ["chromium", "bubblewrap"] });
    expect(plan).toMatchObject({
      kind: "run",
      commands: [
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium", "bubblewrap"],
      ],
    });
  });

  it("as a user with sudo, announces the exact command and uses sudo; without a terminal sudo -n never waits", () => {
    const onTerminal = planInstall({ ...base, missing: ["systemd"] });
    expect(onTerminal.kind === "run" && onTerminal.announce).toContain(
      "sudo apt-get install -y --no-install-recommends systemd",
    );
    expect(onTerminal.kind === "run" && onTerminal.commands[0]?.slice(0, 2)).toEqual(["sudo", "apt-get"]);
    const batch = planInstall({ ...base, interactive: false, missing: ["systemd"] });
    expect(batch.kind === "run" && batch.commands.every((c) => c[0] === "sudo" && c[1] === "-n")).toBe(true);
  });

  it("without sudo, stops with one line naming the npm command that ran and what an admin can run", () => {
    const plan = planInstall({ ...base, hasSudo: false, missing: ["buildbot", "buildbot-worker"] });
    expect(plan).toEqual({
      kind: "stop",
      line: "npm test needs Debian packages that it cannot install without root or sudo: buildbot buildbot-worker. Ask an admin to run: sudo apt-get update && sudo apt-get install -y --no-install-recommends buildbot buildbot-worker",
    });
  });

  it("for npm start short of bubblewrap, names npm start and offers serving without the sandbox, with its cost", () => {
    const plan = planInstall({ ...base, hasSudo: false, missing: ["bubblewrap"], command: "npm start" });
    if (plan.kind !== "stop") throw new Error(`expected a stop, got ${plan.kind}`);
    const [first, second] = plan.line.split("\n");
    expect(first).toMatch(
      /^npm start needs Debian packages .*: bubblewrap\. Ask an admin to run: sudo apt-get/,
    );
    expect(first).not.toContain("npm test");
    expect(second).toContain(
      "SLASHBUILD_SANDBOX=none node bin/slashbuild.js serve --config examples/slashbuild.yaml",
    );
    expect(second).toContain("can read slashbuild's config, secrets and database");
    // npm test has no such way out: the tests need the packages themselves.
    const test = planInstall({ ...base, hasSudo: false, missing: ["bubblewrap"] });
    expect(test.kind === "stop" && test.line).not.toContain("SLASHBUILD_SANDBOX");
  });

  it("the way out it offers works: the bundled example turns the sandbox off with SLASHBUILD_SANDBOX=none", () => {
    const example = path.resolve("examples/slashbuild.yaml");
    expect(loadConfig(example, { env: { SLASHBUILD_SANDBOX: "none" } }).runner.sandbox).toBe("none");
    expect(loadConfig(example, { env: {} }).runner.sandbox).toBe("bwrap");
  });

  it("names the npm command from npm's lifecycle event", () => {
    expect(commandName("start")).toBe("npm start");
    expect(commandName("test")).toBe("npm test");
    expect(commandName("bench")).toBe("npm run bench");
    expect(commandName(undefined)).toBe("this command");
  });

  it("without apt-get, names the packages and installs nothing", () => {
    const plan = planInstall({ ...base, isRoot: true, hasAptGet: false, missing: ["bubblewrap"] });
    expect(plan.kind === "stop" && plan.line).toMatch(
      /^npm test needs Debian packages and apt-get is not here: bubblewrap\./,
    );
  });
});

describe("install-test-deps.ts as npm test runs it", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A PATH holding node and the named real executables only (links to the machine's own). */
  function pathWith(names: readonly string[]): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-path-"));
    dirs.push(dir);
    symlinkSync(process.execPath, path.join(dir, "node"));
    for (const name of names) {
      const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
      if (found) symlinkSync(found, path.join(dir, name));
    }
    return dir;
  }

  const onPath = REQUIREMENTS.map((r) => r.executable).filter((e) => !e.includes("/"));

  it("exits 0 silently when everything is installed", () => {
    const run = spawnSync(TSX, [SCRIPT], {
      env: { PATH: pathWith([...onPath, "apt-get"]) },
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("stops with one line naming what is missing when it cannot install", () => {
    const noBwrap = onPath.filter((e) => e !== "bwrap");
    const run = spawnSync(TSX, [SCRIPT], { env: { PATH: pathWith(noBwrap) }, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("bubblewrap");
  });

  it("names the npm command that ran it, from npm_lifecycle_event", () => {
    const noBwrap = onPath.filter((e) => e !== "bwrap");
    const run = spawnSync(TSX, [SCRIPT, "--only", "bubblewrap"], {
      env: { PATH: pathWith(noBwrap), npm_lifecycle_event: "start" },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^npm start needs Debian packages/);
  });

  it("with --only bubblewrap,slirp4netns,iproute2 (npm start), needs the sandbox's executables alone", () => {
    const bwrapOnly = pathWith(["bwrap", "slirp4netns", "ip"]);
    const start = spawnSync(TSX, [SCRIPT, "--only", "bubblewrap,slirp4netns,iproute2"], {
      env: { PATH: bwrapOnly },
      encoding: "utf8",
    });
    expect(start.stderr).toBe("");
    expect(start.status).toBe(0);
    // The same PATH fails the full check (buildbot, chromium, ... are missing there).
    const full = spawnSync(TSX, [SCRIPT], { env: { PATH: bwrapOnly }, encoding: "utf8" });
    expect(full.status).toBe(1);
  });
});
