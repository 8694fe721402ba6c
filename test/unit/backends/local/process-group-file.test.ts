import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  groupFileFor,
  killRecordedGroup,
  recordGroup,
} from "../../../../src/backends/local/process-group-file.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";
import { processAlive } from "../../../helpers/process-alive.js";
import { waitFor } from "../../../helpers/service-process.js";

const started: number[] = [];

async function sleeper(cwd: string): Promise<number> {
  const child = spawn("sh", ["-c", "sleep 300 & wait"], { cwd, detached: true, stdio: "ignore" });
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
    const pgid = await sleeper(workspace);
    await recordGroup(workspace, pgid);
    expect(await killRecordedGroup(workspace, 1000)).toBe(true);
    await waitFor("the group to end", () => !processAlive(pgid));
    expect(existsSync(groupFileFor(workspace))).toBe(false);
    await removeDir(dir);
  });

  it("leaves alone a process that is not working in that workspace (pid reuse)", async () => {
    const dir = await makeTempDir();
    const workspace = path.join(dir, "8");
    await mkdir(workspace);
    const stranger = await sleeper(dir);
    await recordGroup(workspace, stranger);
    expect(await killRecordedGroup(workspace, 1000)).toBe(false);
    expect(processAlive(stranger)).toBe(true);
    await removeDir(dir);
  });

  it("does nothing without a record", async () => {
    const dir = await makeTempDir();
    expect(await killRecordedGroup(path.join(dir, "9"), 1000)).toBe(false);
    await removeDir(dir);
  });
});
