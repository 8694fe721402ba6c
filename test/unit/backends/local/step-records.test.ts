import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pidNamespaceOf, sandboxMembers } from "../../../../src/backends/local/sandbox/sandbox-process.js";
import {
  killRecordedStep,
  readRecord,
  recordFileFor,
  recordStep,
} from "../../../../src/backends/local/step-records.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";
import { processAlive } from "../../../helpers/process-alive.js";
import { waitFor } from "../../../helpers/service-process.js";
import { startSandbox } from "../../../helpers/start-sandbox.js";

const started: number[] = [];

function sleeper(cwd: string, script = "sleep 300 & wait"): number {
  const child = spawn("sh", ["-c", script], { cwd, detached: true, stdio: "ignore" });
  child.unref();
  if (child.pid === undefined) throw new Error("no pid");
  started.push(child.pid);
  return child.pid;
}

afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

describe("recorded process groups", () => {
  it("ends the recorded group of a workspace, and forgets it", async () => {
    const dir = await makeTempDir();
    const workspace = path.join(dir, "7");
    await mkdir(workspace);
    const pgid = sleeper(workspace);
    await recordStep(workspace, { kind: "group", pgid });
    expect(await killRecordedStep(workspace, 1000)).toBe(true);
    await waitFor("the group to end", () => !processAlive(pgid));
    expect(existsSync(recordFileFor(workspace))).toBe(false);
    await removeDir(dir);
  });

  it("keeps the record while the group is being ended, so a crash meanwhile leaves it for the next start", async () => {
    const dir = await makeTempDir();
    const workspace = path.join(dir, "7");
    await mkdir(workspace);
    const termed = path.join(dir, "termed");
    // Ignores SIGTERM (noting that it got one): only SIGKILL, after the grace period, ends it.
    const ready = path.join(dir, "ready");
    const pgid = sleeper(
      workspace,
      `trap 'echo >> ${termed}' TERM; echo > ${ready}; while :; do sleep 0.1; done`,
    );
    await waitFor("the trap to be set", () => existsSync(ready));
    await recordStep(workspace, { kind: "group", pgid });
    const killing = killRecordedStep(workspace, 60_000);
    await waitFor("the group to get SIGTERM", () => existsSync(termed));
    expect(processAlive(pgid)).toBe(true);
    expect(await readRecord(workspace)).toEqual({ kind: "group", pgid });
    process.kill(-pgid, "SIGKILL"); // what the end of the grace period would do
    expect(await killing).toBe(true);
    expect(existsSync(recordFileFor(workspace))).toBe(false);
    await removeDir(dir);
  });

  it("leaves alone a process that is not working in that workspace (pid reuse), and drops the stale record", async () => {
    const dir = await makeTempDir();
    const workspace = path.join(dir, "8");
    await mkdir(workspace);
    const stranger = sleeper(dir);
    await recordStep(workspace, { kind: "group", pgid: stranger });
    expect(await killRecordedStep(workspace, 1000)).toBe(true);
    expect(processAlive(stranger)).toBe(true);
    expect(existsSync(recordFileFor(workspace))).toBe(false);
    await removeDir(dir);
  });

  it("leaves alone a pid whose PID namespace is not the recorded sandbox's", async () => {
    const dir = await makeTempDir();
    const workspace = path.join(dir, "8");
    await mkdir(workspace);
    const stranger = sleeper(dir);
    expect(pidNamespaceOf(stranger)).not.toBeNull();
    await recordStep(workspace, { kind: "sandbox", pid: stranger, pidns: "pid:[1]" });
    expect(await killRecordedStep(workspace, 1000)).toBe(true);
    expect(processAlive(stranger)).toBe(true);
    await removeDir(dir);
  });

  it("reads records written by older versions (a bare pgid)", async () => {
    const dir = await makeTempDir();
    const workspace = path.join(dir, "9");
    await writeFile(recordFileFor(workspace), "1234\n");
    expect(await readRecord(workspace)).toEqual({ kind: "group", pgid: 1234 });
    await removeDir(dir);
  });

  it("ends a sandbox still binding the workspace though nothing recorded it (slashbuild died as the step started)", async () => {
    const dir = await makeTempDir();
    const workspace = path.join(dir, "10");
    await mkdir(workspace);
    const sandbox = await startSandbox(workspace, "setsid sleep 300 & sleep 300", { armed: false });
    while (sandboxMembers(sandbox.pidns).length < 3) await new Promise((r) => setTimeout(r, 20));
    expect(await killRecordedStep(workspace, 200)).toBe(true);
    expect(sandboxMembers(sandbox.pidns)).toEqual([]);
    await removeDir(dir);
  });

  it("does nothing without a record", async () => {
    const dir = await makeTempDir();
    expect(await killRecordedStep(path.join(dir, "9"), 1000)).toBe(true);
    await removeDir(dir);
  });
});
