import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { chown, readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planSandbox, sandboxCommand } from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import { feedInputs, sandboxStdio } from "../../../../../src/backends/local/sandbox/sandbox-stdio.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";
import { makeConfig } from "../../../../helpers/make-config.js";

/**
 * The kernel keyring from real sandboxes (issue 18). Like slashbuild's, the steps here are
 * started by a process with a session keyring of its own: a named one, which a holder process
 * keeps alive for the test, as a long-running slashbuild does its own. One step stores a key, a
 * later step of another build reads it back, unless the sandbox's seccomp program refuses the
 * keyring calls. `filtered: false` is the same sandbox without that program.
 */
describe.each([true, false])("the kernel keyring in a sandbox (filtered: %s)", (filtered) => {
  let keyring: string;
  let holder: ChildProcess;
  const workspaces: string[] = [];

  beforeEach(async () => {
    keyring = `slashbuild-test-${randomUUID().slice(0, 8)}`;
    // Its owner may then find it by name (`keyctl session NAME` below) and join it.
    const shareable = "keyctl setperm @s 0x3f3f0000 && exec sleep 600";
    holder = spawn("keyctl", ["session", keyring, "sh", "-c", shareable], { stdio: "ignore" });
    // The keyring can be joined once the holder sleeps.
    for (let tries = 0; tries < 200 && !(await holderSleeps(holder)); tries++)
      await new Promise((resolve) => setTimeout(resolve, 25));
  });

  afterEach(async () => {
    holder.kill("SIGKILL");
    for (const dir of workspaces.splice(0)) await removeDir(dir);
  });

  async function step(command: string): Promise<string> {
    const workspace = await makeTempDir("slashbuild-keyring-");
    workspaces.push(workspace);
    const full = planSandbox(makeConfig());
    const plan = filtered ? full : { ...full, seccomp: null };
    if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
    const line = sandboxCommand(plan, { network: false }, undefined, workspace, command);
    // `keyctl session NAME` joins the holder's keyring, then execs bwrap (or its launcher).
    const child = spawn("keyctl", ["session", keyring, line.file, ...line.args], {
      stdio: sandboxStdio(line),
    });
    feedInputs(child, line);
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    await once(child, "close");
    return out;
  }

  it("a key one build stores cannot be read by a later build", async () => {
    const secret = randomUUID();
    const stored = await step(
      `keyctl add user slashbuild-test-key ${secret} @s > /dev/null && echo STORED || echo NOT-STORED`,
    );
    const read = await step(
      "id=$(keyctl search @s user slashbuild-test-key) && keyctl pipe $id && echo || echo NOT-READ",
    );
    if (filtered) {
      expect(stored).toMatch(/^NOT-STORED$/m);
      expect(stored).toContain("Function not implemented");
      expect(read).toContain("NOT-READ");
      expect(read).not.toContain(secret);
    } else {
      expect(stored).toMatch(/^STORED$/m);
      expect(read).toContain(secret);
    }
  });
});

async function holderSleeps(holder: ChildProcess): Promise<boolean> {
  try {
    return (await readFile(`/proc/${holder.pid}/comm`, "utf8")).trim() === "sleep";
  } catch {
    return false;
  }
}
