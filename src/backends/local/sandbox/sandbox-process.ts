import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { SANDBOX_WORKSPACE } from "./sandbox-plan.js";

/**
 * A sandbox is known from outside by the host pid of its init (bwrap's pid 1) and the id of its
 * PID namespace ("pid:[4026532179]"). Every process of the build lives in that namespace, even
 * one started with `setsid` or double-forked; when init dies the kernel kills all of them.
 */
export interface SandboxIdentity {
  readonly pid: number;
  readonly pidns: string;
}

const POLL_MS = 50;
/** After SIGKILL of init the kernel needs only a moment; never wait forever on what we cannot see die. */
const AFTER_KILL_MS = 2000;

/** The namespace a host process lives in, or null when it is gone (or not ours to look at). */
export function pidNamespaceOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

/** Every pid in the host's /proc (empty where there is none). */
function hostPids(): number[] {
  try {
    return readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return [];
  }
}

/** Host pids of the living (non-zombie) processes in the namespace `pidns`. */
export function sandboxMembers(pidns: string): number[] {
  const members: number[] = [];
  for (const pid of hostPids()) {
    if (pidNamespaceOf(pid) !== pidns) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
      if (state !== "Z" && state !== "X") members.push(pid);
    } catch {
      // exited while we looked
    }
  }
  return members;
}

/**
 * Whether anything of the sandbox is left, from its init alone (no walk over every process of the
 * machine, which took ~25 ms on a busy host, twice per step). Exact: while init lives, it is a
 * member; when init exits, the kernel kills every other member and waits for them to be gone
 * before init becomes a zombie (zap_pid_ns_processes). A pid reused outside the namespace, or a
 * zombie init, therefore means an empty sandbox.
 */
export function sandboxAlive(sandbox: SandboxIdentity): boolean {
  if (pidNamespaceOf(sandbox.pid) !== sandbox.pidns) return false;
  try {
    const stat = readFileSync(`/proc/${sandbox.pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    if (state === "Z" || state === "X") return false;
  } catch {
    return false; // gone between the two reads
  }
  return pidNamespaceOf(sandbox.pid) === sandbox.pidns;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ESRCH: gone already.
  }
}

async function waitUntilGone(sandbox: SandboxIdentity, ms: number): Promise<boolean> {
  for (let waited = 0; sandboxAlive(sandbox); waited += POLL_MS) {
    if (waited >= ms) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

/**
 * SIGTERM to every process of the build so tools can clean up (init ignores it: the kernel only
 * delivers to a namespace's init the signals it handles), then SIGKILL to init, which takes the
 * whole namespace with it. Resolves true once nothing of the sandbox is left.
 */
export async function killSandbox(sandbox: SandboxIdentity, graceMs: number): Promise<boolean> {
  if (!sandboxAlive(sandbox)) return true;
  for (const pid of sandboxMembers(sandbox.pidns)) if (pid !== sandbox.pid) signal(pid, "SIGTERM");
  if (await waitUntilGone(sandbox, graceMs)) return true;
  // Init is checked again: a pid is only signalled while it is still in the build's namespace.
  if (pidNamespaceOf(sandbox.pid) === sandbox.pidns) signal(sandbox.pid, "SIGKILL");
  for (const pid of sandboxMembers(sandbox.pidns)) signal(pid, "SIGKILL");
  return waitUntilGone(sandbox, AFTER_KILL_MS);
}

/**
 * The bwrap processes still binding `workspace` (found by their command line, which names the
 * workspace: unique to this data_dir and build). A record names a step's sandbox, but a
 * slashbuild killed while a step was starting can leave one unrecorded, and bwrap arms its init's
 * parent-death signal only after the build's command has been started: under load, a
 * slashbuild SIGKILLed in that moment leaves an init that outlives it. Recovery ends these too.
 * `inits`: sandboxes (their init, in a namespace of its own); `monitors`: bwrap's outer process.
 */
export function sandboxesBinding(workspace: string): { inits: SandboxIdentity[]; monitors: number[] } {
  const found = { inits: [] as SandboxIdentity[], monitors: [] as number[] };
  const own = pidNamespaceOf(process.pid);
  for (const pid of hostPids()) {
    if (pid === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // exited while we looked
    }
    if (path.basename(argv[0] ?? "") !== "bwrap" || !bindsWorkspace(argv, workspace)) continue;
    const pidns = pidNamespaceOf(pid);
    if (pidns === null) continue;
    if (pidns === own) found.monitors.push(pid);
    else found.inits.push({ pid, pidns });
  }
  return found;
}

/** Whether bwrap's arguments (before `--`, where the command starts) bind `workspace` as the build's. */
function bindsWorkspace(argv: readonly string[], workspace: string): boolean {
  const end = argv.indexOf("--");
  const options = end === -1 ? argv : argv.slice(0, end);
  for (let i = 1; i + 2 < options.length; i++) {
    if (options[i] === "--bind" && options[i + 1] === workspace && options[i + 2] === SANDBOX_WORKSPACE)
      return true;
  }
  return false;
}

/**
 * Ends every sandbox still bound to `workspace` (see sandboxesBinding), recorded or not.
 * Resolves true once none is left.
 */
export async function killSandboxesBinding(workspace: string, graceMs: number): Promise<boolean> {
  const { inits, monitors } = sandboxesBinding(workspace);
  const ended = await Promise.all(inits.map((sandbox) => killSandbox(sandbox, graceMs)));
  // A monitor left alive lost its parent before arming its own parent-death signal; its init,
  // if any, is ended above. Checked again before the signal: a pid is only ours while it binds.
  for (const pid of sandboxesBinding(workspace).monitors.filter((pid) => monitors.includes(pid)))
    signal(pid, "SIGKILL");
  return ended.every(Boolean);
}
