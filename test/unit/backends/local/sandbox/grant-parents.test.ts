import { spawn } from "node:child_process";
import { chmod, chown, mkdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { grantParentArgs } from "../../../../../src/backends/local/sandbox/grant-parents.js";
import { planSandbox, sandboxCommand } from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import { feedInputs, sandboxStdio } from "../../../../../src/backends/local/sandbox/sandbox-stdio.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";
import { makeConfig } from "../../../../helpers/make-config.js";

/** Runs `command` in a real sandbox whose config grants `writable`, as a step runs; its exit code and output. */
async function inSandbox(workspace: string, writable: string, command: string) {
  const plan = planSandbox(makeConfig({ runner: { writable_paths: [writable] } }));
  if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
  const line = sandboxCommand(plan, { network: false }, undefined, workspace, command);
  const child = spawn(line.file, [...line.args], { stdio: sandboxStdio(line) });
  feedInputs(child, line);
  let out = "";
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk: Buffer) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, out };
}

describe("a granted path whose parents the sandbox does not have (real bubblewrap)", () => {
  let top: string;
  let workspace: string;
  beforeEach(async () => {
    // Under /tmp, which a sandbox gets fresh and empty: the grant's parents are missing there.
    top = await makeTempDir("slashbuild-grant-");
    workspace = await makeTempDir("slashbuild-grant-ws-");
  });
  afterEach(async () => {
    await removeDir(top);
    await removeDir(workspace);
  });

  it("shows its parents with the host's modes, so the build's uid reaches and writes it", async () => {
    const cache = path.join(top, "srv", "cache");
    await mkdir(cache, { recursive: true });
    await chmod(top, 0o711);
    await chmod(path.dirname(cache), 0o751);
    await chmod(cache, 0o777);
    const { code, out } = await inSandbox(
      workspace,
      cache,
      `stat -c '%a %n' ${top} ${path.dirname(cache)}; touch ${cache}/made-in-sandbox && echo wrote`,
    );
    expect(out).toBe(`711 ${top}\n751 ${path.dirname(cache)}\nwrote\n`);
    expect(code).toBe(0);
  });
});

describe("grantParentArgs", () => {
  it("creates each missing parent with its host mode, outermost first, and none the sandbox has", async () => {
    const top = await makeTempDir("slashbuild-grant-args-");
    try {
      await mkdir(path.join(top, "a", "b"), { recursive: true });
      await chmod(top, 0o711);
      await chmod(path.join(top, "a"), 0o750);
      const grant = path.join(top, "a", "b");
      const hostTmp = path.dirname(top);
      expect(grantParentArgs(grant, [], [hostTmp])).toEqual([
        "--perms",
        "0711",
        "--dir",
        top,
        "--perms",
        "0750",
        "--dir",
        path.join(top, "a"),
      ]);
      // Nothing at or under a folder bound from the host already (a system folder, an earlier grant).
      expect(grantParentArgs(grant, [top], [hostTmp])).toEqual([]);
      // A parent missing on the host: left to bwrap (whose --bind-try then skips the grant).
      expect(grantParentArgs(path.join(top, "none", "x"), [], [hostTmp])).toEqual([
        "--perms",
        "0711",
        "--dir",
        top,
      ]);
    } finally {
      await removeDir(top);
    }
  });
});
