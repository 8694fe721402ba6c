import { once } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  killSandbox,
  killSandboxesBinding,
  pidNamespaceOf,
  sandboxAlive,
  sandboxesBinding,
  sandboxMembers,
} from "../../../../../src/backends/local/sandbox/sandbox-process.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";
import { startSandbox } from "../../../../helpers/start-sandbox.js";

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

  it("finds a sandbox by the workspace it binds and ends it, even one whose init outlived its parent", async () => {
    const other = await makeTempDir();
    const sandbox = await startSandbox(dir, "setsid sleep 300 & sleep 300", { armed: false });
    const neighbour = await startSandbox(other, "sleep 300");
    while (sandboxMembers(sandbox.pidns).length < 3) await new Promise((r) => setTimeout(r, 20));
    // The state a slashbuild SIGKILLed while a step started can leave: bwrap's outer process is
    // gone, and its init, never told to die with it, keeps the build running.
    const exited = once(sandbox.monitor, "exit");
    sandbox.monitor.kill("SIGKILL");
    await exited;
    await new Promise((r) => setTimeout(r, 200));
    expect(sandboxAlive(sandbox)).toBe(true);

    expect(sandboxesBinding(dir).inits).toEqual([{ pid: sandbox.pid, pidns: sandbox.pidns }]);
    expect(await killSandboxesBinding(dir, 200)).toBe(true);
    expect(sandboxMembers(sandbox.pidns)).toEqual([]);
    expect(sandboxesBinding(dir)).toEqual({ inits: [], monitors: [] });
    // Another build's sandbox is not touched.
    expect(sandboxAlive(neighbour)).toBe(true);
    expect(await killSandbox(neighbour, 200)).toBe(true);
    await removeDir(other);
  });

  it("ends bwrap's outer process too when it is still there", async () => {
    const sandbox = await startSandbox(dir, "sleep 300");
    expect(sandboxesBinding(dir).monitors).toEqual([sandbox.monitor.pid]);
    const exited = once(sandbox.monitor, "exit");
    expect(await killSandboxesBinding(dir, 200)).toBe(true);
    await exited;
    expect(sandboxesBinding(dir)).toEqual({ inits: [], monitors: [] });
  });
});
