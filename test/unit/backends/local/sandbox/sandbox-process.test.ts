import { spawn } from "node:child_process";
import { chown } from "node:fs/promises";
import type { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planSandbox, sandboxCommand } from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import {
  killSandbox,
  pidNamespaceOf,
  type SandboxIdentity,
  sandboxAlive,
  sandboxMembers,
} from "../../../../../src/backends/local/sandbox/sandbox-process.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";
import { makeConfig } from "../../../../helpers/make-config.js";

/** A real sandbox running `command`, known by the identity bwrap reports on its info fd. */
async function startSandbox(workspace: string, command: string): Promise<SandboxIdentity> {
  const config = makeConfig();
  const plan = planSandbox(config);
  if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
  const line = sandboxCommand(plan, { network: true }, undefined, workspace, command);
  const child = spawn(line.file, [...line.args], {
    stdio: ["ignore", "ignore", "ignore", "pipe"],
    detached: true,
  });
  child.unref();
  let text = "";
  for await (const chunk of child.stdio[3] as Readable) {
    text += String(chunk);
    const info = /"child-pid": (\d+)[\s\S]*"pid-namespace": (\d+)/.exec(text);
    if (info) return { pid: Number(info[1]), pidns: `pid:[${info[2]}]` };
  }
  throw new Error(`bwrap reported no sandbox: ${text}`);
}

describe("sandboxAlive and killSandbox (real bubblewrap)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it("is alive while its init runs, with a setsid grandchild too; killing ends every member", async () => {
    const sandbox = await startSandbox(dir, "setsid sleep 300 & sleep 300");
    expect(sandboxAlive(sandbox)).toBe(true);
    while (sandboxMembers(sandbox.pidns).length < 3) await new Promise((r) => setTimeout(r, 20));
    expect(await killSandbox(sandbox, 200)).toBe(true);
    expect(sandboxAlive(sandbox)).toBe(false);
    expect(sandboxMembers(sandbox.pidns)).toEqual([]);
  });

  it("is not alive once its command exited: init's exit ends the namespace", async () => {
    const sandbox = await startSandbox(dir, "true");
    while (pidNamespaceOf(sandbox.pid) === sandbox.pidns && sandboxAlive(sandbox))
      await new Promise((r) => setTimeout(r, 20));
    expect(sandboxAlive(sandbox)).toBe(false);
    expect(sandboxMembers(sandbox.pidns)).toEqual([]);
  });

  it("does not take a reused pid in another namespace for the sandbox", () => {
    const own = pidNamespaceOf(process.pid);
    expect(own).not.toBeNull();
    expect(sandboxAlive({ pid: process.pid, pidns: "pid:[1]" })).toBe(false);
    expect(sandboxAlive({ pid: process.pid, pidns: own ?? "" })).toBe(true);
  });
});
