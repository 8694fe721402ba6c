import { readlinkSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { killProcessGroup } from "./kill-process-group.js";

/**
 * A running step's process group id, kept in a file beside its workspace. If slashbuild itself
 * dies (SIGKILL, OOM, power cut of the service only), its builds' process groups live on as
 * orphans; at the next start `recover` reads these files and ends them, so an interrupted build
 * does not keep deploying in the background.
 */
export function groupFileFor(workspace: string): string {
  return `${workspace}.pgid`;
}

export async function recordGroup(workspace: string, pgid: number): Promise<void> {
  await writeFile(groupFileFor(workspace), String(pgid));
}

export async function forgetGroup(workspace: string): Promise<void> {
  await rm(groupFileFor(workspace), { force: true });
}

/**
 * Ends the group recorded for `workspace`, if it is still ours: pids are reused, so the group
 * leader must still be a process whose working directory is inside that workspace.
 */
export async function killRecordedGroup(workspace: string, graceMs: number): Promise<boolean> {
  const text = await readFile(groupFileFor(workspace), "utf8").catch(() => "");
  const pgid = Number(text.trim());
  await forgetGroup(workspace);
  if (!Number.isSafeInteger(pgid) || pgid <= 1 || !leaderWorksIn(pgid, workspace)) return false;
  await killProcessGroup(pgid, graceMs);
  return true;
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
