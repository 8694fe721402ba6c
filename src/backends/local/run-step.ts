import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { killProcessGroup, processGroupAlive } from "./kill-process-group.js";
import { INFO_FD } from "./sandbox/sandbox-fds.js";
import type { SandboxedCommand } from "./sandbox/sandbox-plan.js";
import { killSandbox, type SandboxIdentity, sandboxAlive } from "./sandbox/sandbox-process.js";
import { feedInputs, sandboxStdio } from "./sandbox/sandbox-stdio.js";
import { startStepNetwork } from "./sandbox/start-step-network.js";
import type { StepLog } from "./step-log.js";
import type { StepRecord } from "./step-records.js";

export interface RunStepOptions {
  /** From the config file, never from chat: it is meant to be shell syntax. */
  readonly command: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly log: StepLog;
  /** Aborting ends everything the step started. */
  readonly signal: AbortSignal;
  readonly killGraceMs: number;
  /** The bwrap command line that runs `command`; null runs it unsandboxed (`runner.sandbox: none`). */
  readonly sandbox: SandboxedCommand | null;
  /** Called with what the step is once it runs (recorded so a crash can be cleaned up). */
  readonly onRecord?: (record: StepRecord) => Promise<void>;
  /** Called as soon as the step's process has exited (the build timeline). */
  readonly onExit?: () => void;
  /** Called when the step's (sandboxed) process could not be started at all (metrics). */
  readonly onStartFailure?: () => void;
}

export interface StepResult {
  /** null when the command was killed by a signal or could not be started. */
  readonly exitCode: number | null;
  /** Whether nothing of the step is left running (false only if it could not be killed). */
  readonly gone: boolean;
  /** What the sandbox wrote on its report fd (SandboxedCommand.reportFd); "" without one. */
  readonly reported: string;
}

/** Once the step is gone, output still in flight arrives promptly; a pipe held past this is abandoned. */
const PIPE_DRAIN_MS = 2000;

/** How a running step is ended and checked, whichever way it was started. */
interface Handle {
  readonly record: Promise<StepRecord | null>;
  kill(): Promise<boolean>;
  alive(): boolean;
  /** Resolves once what is left ends by itself, if it is bound to (at most `ms`). */
  settle(ms: number): Promise<void>;
}

/**
 * A sandbox's init outlives the step's command by a moment: bwrap reports the command's exit, and
 * init then dies with bwrap (--die-with-parent), taking any leftover with it. Waiting for that
 * is cheap; killing it instead (a SIGTERM round over the namespace, then polling) cost ~50 ms.
 */
const SETTLE_MS = 250;
const SETTLE_POLL_MS = 2;

/**
 * Runs one command, feeding stdout and stderr to the step log. Sandboxed, it runs in its own PID
 * namespace: when the shell exits, bwrap's init exits and the kernel ends everything else in it,
 * `setsid` children included. Unsandboxed, it runs in its own process group, which is ended when
 * the shell exits (a backgrounded process must not hold the workspace and the log pipe).
 */
export async function runStep(options: RunStepOptions): Promise<StepResult> {
  const child = options.sandbox
    ? spawn(options.sandbox.file, [...options.sandbox.args], {
        cwd: "/",
        env: options.env,
        detached: true,
        stdio: sandboxStdio(options.sandbox),
      })
    : spawn("sh", ["-c", options.command], {
        cwd: options.cwd,
        env: options.env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
  if (options.sandbox) feedInputs(child, options.sandbox);
  const handle = options.sandbox ? sandboxHandle(child, options.killGraceMs) : groupHandle(child, options);
  const streams = [child.stdout, child.stderr].filter((stream): stream is Readable => stream !== null);
  const inputs = streams.map((stream) => {
    const input = options.log.input();
    stream.on("data", (chunk: Buffer) => input.write(chunk));
    return input;
  });
  let reported = "";
  const report = options.sandbox?.reportFd
    ? (child.stdio[options.sandbox.reportFd] as Readable | null)
    : null;
  report?.on("data", (chunk: Buffer) => {
    reported += chunk.toString("utf8");
  });
  report?.on("error", () => {});
  // The report too: what the sandbox said before it ended is read before the step is judged.
  const drained = Promise.all([...streams, ...(report ? [report] : [])].map((stream) => ended(stream)));

  let killing: Promise<boolean> | null = null;
  const kill = (): void => {
    killing ??= handle.kill();
  };
  // A network of its own is up before the command starts, or the step ends with the reason.
  const network = options.sandbox?.network
    ? startStepNetwork(child, identityOf(handle.record), options.sandbox.network, (why) => {
        options.log.append(`[slashbuild: could not set up the build's network: ${why}]\n`);
        kill();
      })
    : null;
  // Not awaited here: the exit listener below must be in place before anything yields.
  const recorded = handle.record
    .then((record) => (record ? options.onRecord?.(record) : undefined))
    .catch(() => {});
  options.signal.addEventListener("abort", kill, { once: true });
  if (options.signal.aborted) kill();

  let exitCode: number | null = null;
  try {
    const [code] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    exitCode = code;
    options.onExit?.();
  } catch (error) {
    // spawn failed (no `sh` or `bwrap`, workspace gone): the step fails with the reason in its log.
    options.log.append(`[slashbuild: could not start the command: ${(error as Error).message}]\n`);
    options.onStartFailure?.();
  } finally {
    options.signal.removeEventListener("abort", kill);
  }
  // The command has ended, and bwrap with it: the network's helper goes now, while the rest is
  // checked (slirp4netns takes ~20 ms to be gone: the kernel removes its tap device).
  const networkGone = network?.then((attached) => attached?.close());
  await recorded;
  if (handle.alive()) await handle.settle(SETTLE_MS);
  if (handle.alive()) kill();
  const gone = (await killing) ?? true;
  await networkGone;
  await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, PIPE_DRAIN_MS).unref())]);
  for (const stream of streams) stream.destroy();
  report?.destroy();
  for (const input of inputs) input.end();
  return { exitCode, gone: gone && !handle.alive(), reported };
}

async function identityOf(record: Promise<StepRecord | null>): Promise<SandboxIdentity | null> {
  const found = await record;
  return found?.kind === "sandbox" ? { pid: found.pid, pidns: found.pidns } : null;
}

function groupHandle(child: ChildProcess, options: RunStepOptions): Handle {
  const pgid = child.pid;
  return {
    record: Promise.resolve(pgid === undefined ? null : { kind: "group", pgid }),
    kill: () => (pgid === undefined ? Promise.resolve(true) : killProcessGroup(pgid, options.killGraceMs)),
    alive: () => pgid !== undefined && processGroupAlive(pgid),
    // A backgrounded process of a plain group has no reason to end: it is killed at once.
    settle: async () => {},
  };
}

/**
 * bwrap reports its sandbox on its info fd as JSON ("child-pid", "pid-namespace"). Until it has, the
 * only handle is bwrap itself: SIGKILL to it takes the sandbox down (--die-with-parent).
 */
function sandboxHandle(child: ChildProcess, graceMs: number): Handle {
  let identity: SandboxIdentity | null = null;
  const record = new Promise<StepRecord | null>((resolve) => {
    const info = child.stdio[INFO_FD] as Readable | null | undefined;
    let text = "";
    info?.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      identity ??= parseInfo(text);
      if (identity) resolve({ kind: "sandbox", ...identity });
    });
    info?.on("error", () => resolve(null));
    child.once("exit", () => resolve(null));
    child.once("error", () => resolve(null));
  });
  return {
    record,
    async kill() {
      await record;
      if (identity) return killSandbox(identity, graceMs);
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      return true;
    },
    alive: () => identity !== null && sandboxAlive(identity),
    async settle(ms) {
      for (
        let waited = 0;
        identity !== null && sandboxAlive(identity) && waited < ms;
        waited += SETTLE_POLL_MS
      )
        await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    },
  };
}

function parseInfo(text: string): SandboxIdentity | null {
  try {
    const info = JSON.parse(text) as Record<string, unknown>;
    const pid = info["child-pid"];
    const ns = info["pid-namespace"];
    if (typeof pid === "number" && typeof ns === "number") return { pid, pidns: `pid:[${ns}]` };
  } catch {
    // not complete yet
  }
  return null;
}

function ended(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    stream.once("close", () => resolve());
    stream.once("error", () => resolve());
  });
}
