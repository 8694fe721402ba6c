import { spawn } from "node:child_process";
import { chown, mkdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planSandbox, sandboxCommand } from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import { feedInputs, sandboxStdio } from "../../../../../src/backends/local/sandbox/sandbox-stdio.js";
import type { SandboxLimits } from "../../../../../src/config/config.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";
import { makeConfig } from "../../../../helpers/make-config.js";

/** Issue 18: the sandbox's tmpfs sizes, RLIMIT_AS beside a cgroup, the workspaces hidden. */

const MIB = 1024 ** 2;

function args(limits: SandboxLimits, options: { memoryInCgroup?: boolean } = {}): string[] {
  const line = sandboxCommand(
    planSandbox(makeConfig()),
    { network: "host", limits },
    undefined,
    "/ws",
    "true",
    options,
  );
  return [...line.args];
}

/** The arguments just before `--tmpfs dir`: ["--perms", mode, "--size", bytes] or without the size. */
function tmpfsOf(line: readonly string[], dir: string): string[] {
  const at = line.findIndex((arg, i) => arg === "--tmpfs" && line[i + 1] === dir);
  expect(at).toBeGreaterThan(0);
  return line[at - 2] === "--size" ? line.slice(at - 4, at) : line.slice(at - 2, at);
}

describe("the sandbox's limits as bwrap arguments", () => {
  it("sizes /tmp, /var/tmp and HOME at limits.tmpfs, 1 GiB by default, and leaves them unsized with null", () => {
    for (const dir of ["/tmp", "/var/tmp", "/home/build"]) {
      expect(tmpfsOf(args({}), dir).slice(2)).toEqual(["--size", String(1024 * MIB)]);
      expect(tmpfsOf(args({ tmpfsBytes: 32 * MIB }), dir).slice(2)).toEqual(["--size", String(32 * MIB)]);
      expect(tmpfsOf(args({ tmpfsBytes: null }), dir)[0]).toBe("--perms");
      expect(args({ tmpfsBytes: null })).not.toContain("--size");
    }
  });

  it("sets RLIMIT_AS for limits.memory only when no cgroup holds the memory limit", () => {
    const memory = { memoryBytes: 128 * MIB };
    expect(args(memory)).toContain(`--as=${128 * MIB}`);
    expect(args(memory, { memoryInCgroup: true }).some((arg) => arg.startsWith("--as="))).toBe(false);
    // The other rlimits stay either way.
    expect(args(memory, { memoryInCgroup: true })).toContain("--nproc=4096");
  });

  it("hides runner.workspaces_dir like data_dir, even under a path builds may write", async () => {
    const shared = await makeTempDir("slashbuild-shared-");
    try {
      const workspaces = path.join(shared, "ws");
      await mkdir(workspaces);
      const plan = planSandbox(
        makeConfig({ runner: { writable_paths: [shared], workspaces_dir: workspaces } }),
      );
      const at = plan.systemArgs.indexOf(workspaces);
      expect(plan.systemArgs[at - 1]).toBe("--tmpfs");
      // Without the grant there is nothing to hide: it is not mounted at all.
      expect(planSandbox(makeConfig({ runner: { workspaces_dir: workspaces } })).systemArgs).not.toContain(
        workspaces,
      );
    } finally {
      await removeDir(shared);
    }
  });
});

describe("a build writing to its tmpfs (real bubblewrap)", () => {
  let workspace: string;
  beforeEach(async () => {
    workspace = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(workspace);
  });

  /** Writes 48 MiB into each of /tmp, /var/tmp and HOME; the bytes each holds after. */
  async function fill(limits: SandboxLimits): Promise<number[]> {
    const plan = planSandbox(makeConfig());
    if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
    const command =
      'for d in /tmp /var/tmp "$HOME"; do head -c 50331648 /dev/zero > "$d/fill" 2>/dev/null; echo "HELD $(wc -c < "$d/fill")"; done';
    const line = sandboxCommand(plan, { network: "host", limits }, undefined, workspace, command);
    const child = spawn(line.file, [...line.args], {
      stdio: sandboxStdio(line),
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/home/build" },
    });
    feedInputs(child, line);
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr?.resume();
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    return [...out.matchAll(/^HELD (\d+)$/gm)].map((match) => Number(match[1]));
  }

  it("cannot put more than limits.tmpfs into any of them", async () => {
    expect(await fill({ tmpfsBytes: 8 * MIB })).toEqual([8 * MIB, 8 * MIB, 8 * MIB]);
  });

  it("puts all of it there when the limit is off (the attack the limit stops)", async () => {
    expect(await fill({ tmpfsBytes: null })).toEqual([48 * MIB, 48 * MIB, 48 * MIB]);
  });
});
