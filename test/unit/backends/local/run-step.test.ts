import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runStep } from "../../../../src/backends/local/run-step.js";
import type { SandboxedCommand } from "../../../../src/backends/local/sandbox/sandbox-plan.js";
import { StepLog } from "../../../../src/backends/local/step-log.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";

describe("runStep start failures", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  async function step(cwd: string, sandbox: SandboxedCommand | null = null) {
    const file = path.join(dir, "0.log");
    const log = new StepLog({ file, limitBytes: 10_000, secrets: [] });
    let failures = 0;
    const result = await runStep({
      command: "echo hi",
      cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      log,
      signal: new AbortController().signal,
      killGraceMs: 100,
      sandbox,
      onStartFailure: () => failures++,
    });
    await log.close();
    return { result, failures, text: await readFile(file, "utf8") };
  }

  it("reports a process that could not be started (the sandbox start failure metric)", async () => {
    const { result, failures, text } = await step(path.join(dir, "no-such-workspace"));
    expect(failures).toBe(1);
    expect(result.exitCode).toBeNull();
    expect(text).toContain("could not start the command");
  });

  it("reports a sandbox that could not be started (bwrap missing)", async () => {
    const { result, failures, text } = await step(dir, {
      file: path.join(dir, "no-bwrap"),
      args: [],
      inputs: {},
    });
    expect(failures).toBe(1);
    expect(result.exitCode).toBeNull();
    expect(text).toContain("could not start the command");
  });

  it("does not report a command that started and failed", async () => {
    const { failures, text } = await step(dir);
    expect(failures).toBe(0);
    expect(text).toBe("hi\n");
  });
});
