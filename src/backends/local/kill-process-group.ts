import { readdirSync, readFileSync } from "node:fs";

/**
 * Ending a step means ending everything it started: each step runs in its own process group
 * (spawned detached), and the whole group is signalled, so a `make` and its compilers, or a
 * backgrounded `sleep`, go too. SIGTERM first so tools can clean up, SIGKILL after a grace period.
 */

const POLL_MS = 50;
/** After SIGKILL the kernel needs only a moment; never wait forever on a process we cannot see die. */
const AFTER_KILL_MS = 2000;

/**
 * Live (non-zombie) members of a process group, from /proc. Zombies count as gone: where PID 1
 * does not reap orphans (some containers), a killed grandchild stays a zombie forever.
 * Returns null where /proc is unavailable.
 */
function livingMembers(pgid: number): number | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  let count = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") count++;
  }
  return count;
}

export function processGroupAlive(pgid: number): boolean {
  const living = livingMembers(pgid);
  if (living !== null) return living > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function waitUntilGone(pgid: number, ms: number): Promise<boolean> {
  for (let waited = 0; processGroupAlive(pgid); waited += POLL_MS) {
    if (waited >= ms) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

/** Resolves true once no process of the group is left alive, false if it could not be killed. */
export async function killProcessGroup(pgid: number, graceMs: number): Promise<boolean> {
  if (!processGroupAlive(pgid)) return true;
  signalGroup(pgid, "SIGTERM");
  if (await waitUntilGone(pgid, graceMs)) return true;
  signalGroup(pgid, "SIGKILL");
  return waitUntilGone(pgid, AFTER_KILL_MS);
}
