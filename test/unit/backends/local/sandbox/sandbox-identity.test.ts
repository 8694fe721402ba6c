import { spawn } from "node:child_process";
import { chown } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepareSandbox } from "../../../../../src/backends/local/sandbox/prepare-sandbox.js";
import { sandboxCommand } from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";
import { makeConfig } from "../../../../helpers/make-config.js";

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
    // As the service starts it: prepareSandbox, with data_dir where the files are written.
    const plan = prepareSandbox(makeConfig({ data_dir: path.join(dir, "data") }));
    if (!plan) throw new Error("the sandbox is on by default");
    if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
    const line = sandboxCommand(
      plan,
      { network: true },
      undefined,
      workspace,
      'id -un; id -gn; getent passwd | cut -d: -f1 | paste -sd" "; getent group | cut -d: -f1 | paste -sd" "',
    );
    const child = spawn(line.file, [...line.args], { stdio: ["ignore", "pipe", "pipe", "pipe"] });
    let out = "";
    for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk: Buffer) => (out += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(out).toBe("build\nbuild\nroot build nobody\nroot build nogroup\n");
    expect(code).toBe(0);
  });
});
