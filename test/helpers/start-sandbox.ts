import { type ChildProcess, spawn } from "node:child_process";
import { chown } from "node:fs/promises";
import type { Readable } from "node:stream";
import { planSandbox, sandboxCommand } from "../../src/backends/local/sandbox/sandbox-plan.js";
import type { SandboxIdentity } from "../../src/backends/local/sandbox/sandbox-process.js";
import { feedInputs, sandboxStdio } from "../../src/backends/local/sandbox/sandbox-stdio.js";
import { makeConfig } from "./make-config.js";

export interface StartedSandbox extends SandboxIdentity {
  /** bwrap's outer process (the monitor), a child of this test process. */
  readonly monitor: ChildProcess;
}

/**
 * A real sandbox for `workspace` running `command`, as slashbuild starts a step, known by the
 * identity bwrap reports on its info fd. `armed: false` drops --die-with-parent: the state a
 * sandbox is left in when slashbuild dies before bwrap's init has armed its parent-death signal.
 */
export async function startSandbox(
  workspace: string,
  command: string,
  options: { armed?: boolean } = {},
): Promise<StartedSandbox> {
  const config = makeConfig();
  const plan = planSandbox(config);
  if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
  // No network helper: these sandboxes are spawned directly, without runStep.
  const line = sandboxCommand(plan, { network: "host" }, undefined, workspace, command);
  const args = options.armed === false ? line.args.filter((arg) => arg !== "--die-with-parent") : line.args;
  const stdio = sandboxStdio(line).map((kind, fd) => (fd === 1 || fd === 2 ? "ignore" : kind));
  const monitor = spawn(line.file, [...args], { stdio, detached: true });
  feedInputs(monitor, line);
  monitor.unref();
  let text = "";
  for await (const chunk of monitor.stdio[3] as Readable) {
    text += String(chunk);
    const info = /"child-pid": (\d+)[\s\S]*"pid-namespace": (\d+)/.exec(text);
    if (info) return { pid: Number(info[1]), pidns: `pid:[${info[2]}]`, monitor };
  }
  throw new Error(`bwrap reported no sandbox: ${text}`);
}
