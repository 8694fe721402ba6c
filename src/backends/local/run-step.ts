import { spawn } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { killProcessGroup, processGroupAlive } from "./kill-process-group.js";
import type { StepLog } from "./step-log.js";

export interface RunStepOptions {
  /** From the config file, never from chat: it is meant to be shell syntax. */
  readonly command: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly log: StepLog;
  /** Aborting ends the step's whole process group. */
  readonly signal: AbortSignal;
  readonly killGraceMs: number;
  /** Called with the step's process group id once it runs (recorded so a crash can be cleaned up). */
  readonly onGroup?: (pgid: number) => Promise<void>;
  /** Called when the step's (sandboxed) process could not be started at all (metrics). */
  readonly onStartFailure?: () => void;
}

export interface StepResult {
  /** null when the command was killed by a signal or could not be started. */
  readonly exitCode: number | null;
}

/** Once the group is dead, output still in flight arrives promptly; a pipe held past this is abandoned. */
const PIPE_DRAIN_MS = 2000;

/**
 * Runs one command with `sh -c` in its own process group (detached), feeding stdout and stderr to
 * the step log. When the shell exits, whatever it left running in its group is ended too: a
 * backgrounded process must not outlive its step, holding the workspace and the log pipe.
 */
export async function runStep(options: RunStepOptions): Promise<StepResult> {
  const child = spawn("sh", ["-c", options.command], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const streams = [child.stdout, child.stderr];
  const inputs = streams.map((stream) => {
    const input = options.log.input();
    stream.on("data", (chunk: Buffer) => input.write(chunk));
    return input;
  });
  const drained = Promise.all(streams.map((stream) => ended(stream)));

  let killing: Promise<void> | null = null;
  const kill = (): void => {
    if (child.pid !== undefined) killing ??= killProcessGroup(child.pid, options.killGraceMs);
  };
  // Not awaited here: the exit listener below must be in place before anything yields.
  const recorded = child.pid === undefined ? undefined : options.onGroup?.(child.pid).catch(() => {});
  options.signal.addEventListener("abort", kill, { once: true });
  if (options.signal.aborted) kill();

  let exitCode: number | null = null;
  try {
    const [code] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    exitCode = code;
  } catch (error) {
    // spawn failed (no `sh`, workspace gone): the step fails with the reason in its log.
    options.log.append(`[slashbuild: could not start the command: ${(error as Error).message}]\n`);
    options.onStartFailure?.();
  } finally {
    options.signal.removeEventListener("abort", kill);
  }
  if (child.pid !== undefined && processGroupAlive(child.pid)) kill();
  await killing;
  await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, PIPE_DRAIN_MS).unref())]);
  for (const stream of streams) stream.destroy();
  for (const input of inputs) input.end();
  await recorded;
  return { exitCode };
}

function ended(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    stream.once("close", () => resolve());
    stream.once("error", () => resolve());
  });
}
