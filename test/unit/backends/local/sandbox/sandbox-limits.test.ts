import { spawn } from "node:child_process";
import { chown } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planSandbox, sandboxCommand } from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import { feedInputs, sandboxStdio } from "../../../../../src/backends/local/sandbox/sandbox-stdio.js";
import type { SandboxLimits } from "../../../../../src/config/config.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";
import { makeConfig } from "../../../../helpers/make-config.js";

/** Runs `command` in a real sandbox for `workspace`, as a step runs; its exit code and output. */
async function inSandbox(
  workspace: string,
  command: string,
  limits: SandboxLimits,
): Promise<{ code: number | null; out: string }> {
  const plan = planSandbox(makeConfig());
  if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
  const line = sandboxCommand(plan, { network: "host", limits }, undefined, workspace, command);
  const child = spawn(line.file, [...line.args], { stdio: sandboxStdio(line) });
  feedInputs(child, line);
  let out = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
  }
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  return { code, out };
}

/** "Max processes  77  77  processes" → ["77", "77"] (soft, hard). */
function limitOf(limits: string, name: string): string[] {
  const line = limits.split("\n").find((l) => l.startsWith(name)) ?? "";
  return line.slice(name.length).trim().split(/\s+/).slice(0, 2);
}

describe("the sandbox's per-process limits (real bubblewrap)", () => {
  let workspace: string;
  beforeEach(async () => {
    workspace = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(workspace);
  });

  it("applies every configured limit, soft and hard alike, and a larger file cannot be written", async () => {
    const limits: SandboxLimits = {
      processes: 77,
      fileSizeBytes: 64 * 1024,
      memoryBytes: 2 * 1024 ** 3,
      cpuTimeMs: 30_000,
    };
    const { code, out } = await inSandbox(
      workspace,
      'cat /proc/self/limits; head -c 100000 /dev/zero > big; echo "written: $(wc -c < big)"',
      limits,
    );
    expect(code).toBe(0);
    expect(limitOf(out, "Max processes")).toEqual(["77", "77"]);
    expect(limitOf(out, "Max file size")).toEqual(["65536", "65536"]);
    expect(limitOf(out, "Max address space")).toEqual([String(2 * 1024 ** 3), String(2 * 1024 ** 3)]);
    expect(limitOf(out, "Max cpu time")).toEqual(["30", "30"]);
    expect(out).toContain("written: 65536");
  });

  it("applies the defaults when nothing is configured: 4096 processes, 4 GiB files", async () => {
    const { code, out } = await inSandbox(workspace, "cat /proc/self/limits", {});
    expect(code).toBe(0);
    expect(limitOf(out, "Max processes")).toEqual(["4096", "4096"]);
    expect(limitOf(out, "Max file size")).toEqual([String(4 * 1024 ** 3), String(4 * 1024 ** 3)]);
  });

  it("fails the step before its command when a limit cannot be set", async () => {
    // The same sandbox with a limit it can set runs the command: only the limit differs below.
    const settable = await inSandbox(workspace, "echo the command ran", { processes: 77 });
    expect(settable).toEqual({ code: 0, out: "the command ran\n" });
    // Above the hard limit the sandbox inherits: only a privileged process could raise it.
    const { code, out } = await inSandbox(workspace, "echo the command ran", { processes: 2 ** 40 });
    expect(code).not.toBe(0);
    expect(out).not.toContain("the command ran");
    // The reason is the limit (not a missing bwrap or prlimit, nor anything else failing first).
    expect(out).toMatch(/^prlimit: failed to set the NPROC resource limit/m);
  });
});
