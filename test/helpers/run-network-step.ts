import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { chown, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runStep } from "../../src/backends/local/run-step.js";
import { planSandbox, sandboxCommand } from "../../src/backends/local/sandbox/sandbox-plan.js";
import { StepLog } from "../../src/backends/local/step-log.js";
import { makeConfig } from "./make-config.js";

/**
 * `node --import tsx run-network-step.ts COMMAND`: runs one sandboxed step with a network of its
 * own (the default), as a build does, and prints its exit code and log. A test runs it where this
 * machine looks different (a mount namespace with a resolv.conf of the test's).
 */
const command = process.argv[2] ?? "true";
const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-network-step-"));
try {
  const plan = planSandbox(makeConfig());
  const workspace = path.join(dir, "workspace");
  await mkdir(workspace);
  if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
  const file = path.join(dir, "step.log");
  const log = new StepLog({ file, limitBytes: 100_000, secrets: [] });
  const result = await runStep({
    command,
    cwd: workspace,
    env: { PATH: "/usr/bin:/bin" },
    log,
    signal: AbortSignal.timeout(60_000),
    killGraceMs: 500,
    sandbox: sandboxCommand(plan, { network: true }, undefined, workspace, command),
  });
  await log.close();
  process.stdout.write(`EXIT ${result.exitCode}\n${readFileSync(file, "utf8")}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
