import { spawn } from "node:child_process";
import { chown } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepareSandbox } from "../../../../../src/backends/local/sandbox/prepare-sandbox.js";
import { GROUP_FD, PASSWD_FD } from "../../../../../src/backends/local/sandbox/sandbox-fds.js";
import { type SandboxPlan, sandboxCommand } from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import { feedInputs, sandboxStdio } from "../../../../../src/backends/local/sandbox/sandbox-stdio.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";
import { makeConfig } from "../../../../helpers/make-config.js";

/** Who a build is, as a step prints it: user, group, and every name passwd and group know. */
const WHO =
  'id -un; id -gn; getent passwd | cut -d: -f1 | paste -sd" "; getent group | cut -d: -f1 | paste -sd" "';

/** Runs `command` as a step runs it (its inputs fed on their fds); what it printed and its exit code. */
async function run(plan: SandboxPlan, workspace: string, command: string, identity: boolean) {
  const line = sandboxCommand(plan, { network: false }, undefined, workspace, command);
  // Without the identity: the same sandbox, its passwd and group binds and fds taken out.
  const args = identity ? line.args : withoutIdentity(line.args);
  const inputs = { ...line.inputs };
  if (!identity) {
    delete inputs[PASSWD_FD];
    delete inputs[GROUP_FD];
  }
  const shown = { ...line, args, inputs };
  const child = spawn(shown.file, [...shown.args], { stdio: sandboxStdio(shown) });
  feedInputs(child, shown);
  let out = "";
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk: Buffer) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { out, code };
}

/** bwrap's arguments without `--perms 0644 --ro-bind-data FD /etc/passwd` (and group). */
function withoutIdentity(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const fd = args[i + 3];
    if (
      args[i] === "--perms" &&
      args[i + 2] === "--ro-bind-data" &&
      [PASSWD_FD, GROUP_FD].map(String).includes(fd ?? "")
    ) {
      i += 4;
      continue;
    }
    out.push(args[i] as string);
  }
  return out;
}

describe("who a build is in its sandbox (real bubblewrap)", () => {
  let dir: string;
  let workspace: string;
  beforeEach(async () => {
    dir = await makeTempDir("slashbuild-identity-");
    workspace = await makeTempDir("slashbuild-identity-ws-");
  });
  afterEach(async () => {
    await removeDir(dir);
    await removeDir(workspace);
  });

  it("is `build` with a group of its own, named by the sandbox's own passwd and group, never by the host's", async () => {
    // As the service starts it.
    const plan = prepareSandbox(makeConfig({ data_dir: path.join(dir, "data") }));
    if (!plan) throw new Error("the sandbox is on by default");
    if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
    const own = await run(plan, workspace, WHO, true);
    expect(own.out).toBe("build\nbuild\nroot build nobody\nroot build nogroup\n");
    expect(own.code).toBe(0);
    // Without them the build reads the host's files: uid 1000 has the host's name, or none.
    const host = await run(plan, workspace, WHO, false);
    expect(host.out).not.toBe(own.out);
  });
});
