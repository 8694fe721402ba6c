import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { chown } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CgroupSetup } from "../../../../../src/backends/local/sandbox/find-cgroups.js";
import { prepareCgroups } from "../../../../../src/backends/local/sandbox/prepare-cgroups.js";
import { BuildCgroups } from "../../../../../src/backends/local/sandbox/sandbox-cgroup.js";
import { effectiveLimits } from "../../../../../src/backends/local/sandbox/sandbox-limits.js";
import { planSandbox, sandboxCommand } from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import { feedInputs, sandboxStdio } from "../../../../../src/backends/local/sandbox/sandbox-stdio.js";
import type { SandboxLimits } from "../../../../../src/config/config.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";
import { makeConfig } from "../../../../helpers/make-config.js";
import { processAlive } from "../../../../helpers/process-alive.js";

const MIB = 1024 ** 2;
const limits = (set: SandboxLimits) => effectiveLimits(set, undefined);

describe("a step's cgroup, on a simulated cgroup tree", () => {
  let root: string;
  beforeEach(async () => {
    root = await makeTempDir("slashbuild-cgroupfs-");
  });
  afterEach(async () => {
    await removeDir(root);
  });

  /** A setup whose step folders already hold the kernel's files that may be absent (swap). */
  function setup(version: "v1" | "v2"): CgroupSetup {
    const dirs = version === "v2" ? ["all"] : ["memory", "pids", "cpu"];
    for (const dir of dirs) mkdirSync(path.join(root, dir, "build-7-0"), { recursive: true });
    const swap =
      version === "v2" ? "all/build-7-0/memory.swap.max" : "memory/build-7-0/memory.memsw.limit_in_bytes";
    writeFileSync(path.join(root, swap), "");
    return version === "v2"
      ? { version, hierarchies: [{ dir: path.join(root, "all"), controllers: ["memory", "pids", "cpu"] }] }
      : {
          version,
          hierarchies: [
            { dir: path.join(root, "memory"), controllers: ["memory"] },
            { dir: path.join(root, "pids"), controllers: ["pids"] },
            { dir: path.join(root, "cpu"), controllers: ["cpu"] },
          ],
        };
  }
  const read = (file: string) => readFileSync(path.join(root, file), "utf8");

  it("v2: memory.max with no swap, pids.max and cpu.weight from limits", () => {
    new BuildCgroups(setup("v2")).forStep(
      "build-7-0",
      limits({ memoryBytes: 64 * MIB, processes: 50, cpuWeight: 20 }),
    );
    expect(read("all/build-7-0/memory.max")).toBe(String(64 * MIB));
    expect(read("all/build-7-0/memory.swap.max")).toBe("0");
    expect(read("all/build-7-0/pids.max")).toBe("50");
    expect(read("all/build-7-0/cpu.weight")).toBe("20");
  });

  it("v2: no memory limit and no process limit are max, as the kernel spells it", () => {
    new BuildCgroups(setup("v2")).forStep("build-7-0", limits({ memoryBytes: null, processes: null }));
    expect(read("all/build-7-0/memory.max")).toBe("max");
    expect(read("all/build-7-0/memory.swap.max")).toBe("max");
    expect(read("all/build-7-0/pids.max")).toBe("max");
    expect(read("all/build-7-0/cpu.weight")).toBe("100");
  });

  it("v1: memory and memory+swap limits, pids.max, and cpu.shares at 1024 per 100 of weight", () => {
    new BuildCgroups(setup("v1")).forStep("build-7-0", limits({ memoryBytes: 64 * MIB, cpuWeight: 50 }));
    expect(read("memory/build-7-0/memory.limit_in_bytes")).toBe(String(64 * MIB));
    expect(read("memory/build-7-0/memory.memsw.limit_in_bytes")).toBe(String(64 * MIB));
    expect(read("pids/build-7-0/pids.max")).toBe("4096");
    expect(read("cpu/build-7-0/cpu.shares")).toBe("512");
  });

  it("starts the command inside: each cgroup.procs is written by the shell that becomes the command", () => {
    const step = new BuildCgroups(setup("v1")).forStep("build-7-0", limits({}));
    const line = step.wrap({ file: "bwrap", args: ["--unshare-pid", "--", "true"], inputs: {} });
    expect(line.file).toBe("sh");
    expect(line.args.slice(3)).toEqual([
      path.join(root, "memory/build-7-0/cgroup.procs"),
      path.join(root, "pids/build-7-0/cgroup.procs"),
      path.join(root, "cpu/build-7-0/cgroup.procs"),
      "--",
      "bwrap",
      "--unshare-pid",
      "--",
      "true",
    ]);
    // Run for real against the plain files: the shell writes its own pid, then execs `echo`.
    const echo = step.wrap({ file: "sh", args: ["-c", "echo $$"], inputs: {} });
    const run = spawnSync(echo.file, [...echo.args], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(read("pids/build-7-0/cgroup.procs").trim()).toBe(run.stdout.trim());
  });

  it("counts the kernel's OOM kills from memory.events (v2) or memory.oom_control (v1)", () => {
    const v2 = new BuildCgroups(setup("v2")).forStep("build-7-0", limits({}));
    writeFileSync(
      path.join(root, "all/build-7-0/memory.events"),
      "low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\n",
    );
    expect(v2.oomKills()).toBe(2);
    const v1 = new BuildCgroups(setup("v1")).forStep("build-7-0", limits({}));
    writeFileSync(
      path.join(root, "memory/build-7-0/memory.oom_control"),
      "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
    );
    expect(v1.oomKills()).toBe(1);
  });
});

/**
 * Real cgroups (issue 18): a step that writes to its /tmp is held to limits.memory, since tmpfs
 * pages are charged to the cgroup of whoever wrote them. Needs a machine where slashbuild can have
 * cgroups (root, or a delegated cgroup v2), as CI has; fails, never skips, elsewhere.
 */
describe("a step's cgroup, real (memory includes tmpfs)", () => {
  let dataDir: string;
  let workspace: string;
  let cgroups: BuildCgroups;
  let warnings = "";

  beforeEach(async () => {
    dataDir = await makeTempDir("slashbuild-data-");
    workspace = await makeTempDir("slashbuild-ws-");
    warnings = "";
    const sink = new Writable({
      write: (chunk, _encoding, done) => {
        warnings += chunk;
        done();
      },
    });
    const logger = pino({ level: "warn" }, sink);
    const found = prepareCgroups(makeConfig({ data_dir: dataDir }), logger);
    if (!found) throw new Error(`this test needs cgroups (run it as root): ${warnings}`);
    cgroups = found;
  });
  afterEach(async () => {
    cgroups.close();
    await removeDir(workspace);
    await removeDir(dataDir);
  });

  /** Writes 192 MiB to /tmp in a sandboxed step in its own cgroup; what dd said, and the step's OOM kills. */
  async function writeTmp(set: SandboxLimits): Promise<{ held: number; oomKills: number; removed: boolean }> {
    const plan = planSandbox(makeConfig({ data_dir: dataDir }));
    if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
    const step = cgroups.forStep("build-1-0", limits({ ...set, tmpfsBytes: null }));
    const line = step.wrap(
      sandboxCommand(
        plan,
        { network: "host", limits: set },
        undefined,
        workspace,
        "head -c 201326592 /dev/zero > /tmp/fill; wc -c < /tmp/fill",
        {
          memoryInCgroup: set.memoryBytes != null,
        },
      ),
    );
    const child = spawn(line.file, [...line.args], { stdio: sandboxStdio(line) });
    feedInputs(child, line);
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    await new Promise((resolve) => child.on("close", resolve));
    // bwrap's init leaves a moment after bwrap: the cgroup empties, then it can go.
    const procs = path.join(step.dirs[0] as string, "cgroup.procs");
    while (readFileSync(procs, "utf8").trim() !== "") await new Promise((resolve) => setTimeout(resolve, 20));
    const oomKills = step.oomKills();
    return { held: Number(out.trim() || 0), oomKills, removed: step.remove() };
  }

  it("ends a step that puts more than limits.memory into its tmpfs", async () => {
    const result = await writeTmp({ memoryBytes: 64 * MIB });
    expect(result.held).toBeLessThan(64 * MIB);
    expect(result.oomKills).toBeGreaterThan(0);
    expect(result.removed).toBe(true);
  });

  it("lets the same step write it all without a memory limit (the attack the cgroup stops)", async () => {
    const result = await writeTmp({ memoryBytes: null });
    expect(result.held).toBe(192 * MIB);
    expect(result.oomKills).toBe(0);
    expect(result.removed).toBe(true);
  });

  it("removes the cgroups a crash left at the next start, ending what still runs in them", async () => {
    const step = cgroups.forStep("build-9-0", limits({}));
    const sleeper = step.wrap({ file: "sleep", args: ["600"], inputs: {} });
    const child = spawn(sleeper.file, [...sleeper.args], { stdio: "ignore", detached: true });
    child.unref();
    const pid = child.pid as number;
    // In the cgroup once the shell has written itself there (then it execs sleep).
    const procs = path.join(step.dirs[0] as string, "cgroup.procs");
    while (!readFileSync(procs, "utf8").split("\n").includes(String(pid)))
      await new Promise((r) => setTimeout(r, 10));
    expect(await cgroups.removeLeftovers()).toEqual([]);
    expect(step.dirs.some((dir) => existsSync(dir))).toBe(false);
    while (processAlive(pid)) await new Promise((r) => setTimeout(r, 10));
  });
});
