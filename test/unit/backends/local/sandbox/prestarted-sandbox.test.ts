import { existsSync } from "node:fs";
import { chmod, chown } from "node:fs/promises";
import path from "node:path";
import type { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GATE_FD, prestartSandbox } from "../../../../../src/backends/local/sandbox/prestarted-sandbox.js";
import { planSandbox, sandboxCommand } from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";
import { makeConfig } from "../../../../helpers/make-config.js";

describe("a pre-started sandbox (real bubblewrap)", () => {
  let workspace: string;
  let out: string;
  beforeEach(async () => {
    workspace = await makeTempDir();
    out = await makeTempDir();
    await chmod(out, 0o777);
  });
  afterEach(async () => {
    await removeDir(workspace);
    await removeDir(out);
  });

  async function prestart(command: string) {
    const config = makeConfig({ runner: { writable_paths: [out] } });
    const plan = planSandbox(config);
    if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
    const line = sandboxCommand(plan, { network: true }, undefined, workspace, command, GATE_FD);
    return prestartSandbox(line, { PATH: "/usr/bin:/bin", OUT: out });
  }

  it("runs the command, with its exit code, only once released", async () => {
    const sandbox = await prestart('touch "$OUT/ran"; exit 7');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(existsSync(path.join(out, "ran"))).toBe(false);
    sandbox.release();
    expect(await sandbox.exited).toEqual({ code: 7 });
    expect(existsSync(path.join(out, "ran"))).toBe(true);
  });

  it("never runs the command when discarded", async () => {
    const sandbox = await prestart('touch "$OUT/ran"');
    await sandbox.discard();
    expect(existsSync(path.join(out, "ran"))).toBe(false);
  });

  it("fails closed when its gate closes without `go` (slashbuild died): the command never runs", async () => {
    const sandbox = await prestart('touch "$OUT/ran"');
    (sandbox.child.stdio[GATE_FD] as Writable).end("");
    const ended = await sandbox.exited;
    expect(ended).not.toEqual({ code: 0 });
    expect(existsSync(path.join(out, "ran"))).toBe(false);
  });

  it("(bwrap's own --block-fd would not: end-of-file lets its command run)", async () => {
    const config = makeConfig({ runner: { writable_paths: [out] } });
    const plan = planSandbox(config);
    if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
    const line = sandboxCommand(plan, { network: true }, undefined, workspace, 'touch "$OUT/ran"');
    const blocked = { file: line.file, args: ["--block-fd", String(GATE_FD), ...line.args] };
    const sandbox = prestartSandbox(blocked, { PATH: "/usr/bin:/bin", OUT: out });
    (sandbox.child.stdio[GATE_FD] as Writable).end("");
    await sandbox.exited;
    expect(existsSync(path.join(out, "ran"))).toBe(true);
  });
});
