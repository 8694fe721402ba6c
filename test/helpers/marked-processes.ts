import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Processes found by a marker in their command line, from the host's /proc. Inside a sandbox a
 * build sees only its own PID namespace, so a pid it reports means nothing outside; a marker
 * does. Zombies count as gone.
 */
export function markedProcesses(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (!cmdline.includes(marker)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
      if (state !== "Z" && state !== "X") found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** A fresh marker, safe in a shell word. */
export function newMarker(prefix = "sbmark"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * A shell snippet that starts a background process carrying `marker` in its command line and
 * running for `seconds` (a list, so sh cannot exec and lose the marker).
 */
export function markedSleeper(marker: string, seconds = 300): string {
  return `sh -c 'sleep ${seconds}; true' ${marker}`;
}

/**
 * Whether every sandbox whose command line carries `marker` has an init (bwrap's pid 1) waiting on
 * its children, so past the point where bwrap arms its parent-death signal (then it dies with
 * bwrap's outer process, and the sandbox with it). Before that moment, which follows the start
 * of the build's command, a SIGKILLed slashbuild leaves the sandbox to recovery at the next start.
 */
export function sandboxInitsWaiting(marker: string): boolean {
  const inits = markedProcesses(marker).filter((pid) => {
    try {
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "";
      return nspid.trim().split(/\s+/).at(-1) === "1" && nspid.trim().split(/\s+/).length > 1;
    } catch {
      return false;
    }
  });
  return (
    inits.length > 0 &&
    inits.every((pid) => {
      try {
        return readFileSync(`/proc/${pid}/wchan`, "utf8") === "do_wait";
      } catch {
        return false;
      }
    })
  );
}
