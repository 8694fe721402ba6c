import { readlinkSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { killProcessGroup } from "./kill-process-group.js";
import {
  killSandbox,
  killSandboxesBinding,
  pidNamespaceOf,
  type SandboxIdentity,
} from "./sandbox/sandbox-process.js";

/**
 * What a running step is, kept in a file beside its workspace: its sandbox (init pid and PID
 * namespace) or, unsandboxed, its process group id. If slashbuild itself dies (SIGKILL, OOM),
 * an unsandboxed build's processes live on as orphans; at the next start `recover` reads these
 * files and ends them. The record goes only once what it names is gone, so a crash during that
 * cleanup leaves it for the next start (issue 9).
 */
export type StepRecord =
  | { readonly kind: "group"; readonly pgid: number }
  | ({ readonly kind: "sandbox" } & SandboxIdentity);

/** Still named `.pgid`, as when it held a group id only: a record an older version left is found. */
export function recordFileFor(workspace: string): string {
  return `${workspace}.pgid`;
}

export async function recordStep(workspace: string, record: StepRecord): Promise<void> {
  await writeFile(recordFileFor(workspace), JSON.stringify(record));
}

export async function forgetStep(workspace: string): Promise<void> {
  await rm(recordFileFor(workspace), { force: true });
}

export async function readRecord(workspace: string): Promise<StepRecord | null> {
  const text = (await readFile(recordFileFor(workspace), "utf8").catch(() => "")).trim();
  if (/^\d+$/.test(text)) return { kind: "group", pgid: Number(text) }; // written by older versions
  try {
    const value = JSON.parse(text) as Partial<Record<string, unknown>>;
    if (value.kind === "group" && isPid(value.pgid)) return { kind: "group", pgid: value.pgid };
    if (value.kind === "sandbox" && isPid(value.pid) && typeof value.pidns === "string") {
      return { kind: "sandbox", pid: value.pid, pidns: value.pidns };
    }
  } catch {
    // unreadable: nothing to end
  }
  return null;
}

/**
 * Ends what is recorded for `workspace`, if it is still ours (pids are reused: a sandbox's init
 * must still be in the recorded PID namespace; a group's leader must still work inside the
 * workspace), and any sandbox still binding the workspace. The record is removed only when
 * nothing it names is left. Returns whether it was.
 */
export async function killRecordedStep(workspace: string, graceMs: number): Promise<boolean> {
  const record = await readRecord(workspace);
  let gone = true;
  if (record?.kind === "sandbox" && pidNamespaceOf(record.pid) === record.pidns) {
    gone = await killSandbox(record, graceMs);
  } else if (record?.kind === "group" && leaderWorksIn(record.pgid, workspace)) {
    gone = await killProcessGroup(record.pgid, graceMs);
  }
  // A sandbox can also be left unrecorded, or outlive its slashbuild though recorded (see
  // sandboxesBinding): found by the workspace it binds.
  if (!(await killSandboxesBinding(workspace, graceMs))) gone = false;
  if (gone) await forgetStep(workspace);
  return gone;
}

function isPid(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 1;
}

/** Linux: /proc/<pid>/cwd. Elsewhere the check fails closed and nothing is killed. */
function leaderWorksIn(pid: number, workspace: string): boolean {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd === workspace || cwd.startsWith(`${workspace}/`);
  } catch {
    return false;
  }
}
