import { type ChildProcess, spawn } from "node:child_process";
import type { Writable } from "node:stream";
import type { SandboxedCommand } from "./sandbox-plan.js";

/** The fd on which a pre-started sandbox waits for `go` before it runs the step's command. */
export const GATE_FD = 4;

/**
 * A step's sandbox started ahead of time: bwrap has made its namespaces and mounts, the build's
 * uid, user namespace and limits are in place, and a shell waits for `go` on GATE_FD before it
 * runs the command (sandbox-plan.ts's gate). Setting a sandbox up is most of a trivial step on a
 * machine where starting a process costs milliseconds, so the first step's sandbox is set up while
 * the remote is still being asked for the tip. `release` lets the command run; `discard` ends the
 * sandbox before it ran anything (the guessed commit was not the one to build, or the build was
 * stopped). The gate fails closed: if slashbuild dies, the command never runs.
 */
export interface PrestartedSandbox {
  readonly child: ChildProcess;
  /** How the process ended (or why it could not start), kept from spawn on, so nothing is missed. */
  readonly exited: Promise<{ readonly code: number | null } | { readonly error: Error }>;
  release(): void;
  discard(): Promise<void>;
}

export function prestartSandbox(
  command: SandboxedCommand,
  env: Readonly<Record<string, string>>,
): PrestartedSandbox {
  const child = spawn(command.file, [...command.args], {
    cwd: "/",
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null } | { error: Error }>((resolve) => {
    child.once("exit", (code) => resolve({ code }));
    child.once("error", (error) => resolve({ error }));
  });
  const gate = child.stdio[GATE_FD] as Writable | null;
  gate?.on("error", () => {}); // bwrap gone before it was released: its exit says the rest
  return {
    child,
    exited,
    release() {
      gate?.end("go\n");
    },
    async discard() {
      // The gate is still shut: nothing of the build ran. The sandbox's init dies with bwrap
      // (--die-with-parent), and the gate, closed unreleased, would not open anyway.
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await exited;
      gate?.destroy();
      for (const stream of [child.stdout, child.stderr, child.stdio[3]]) stream?.destroy();
    },
  };
}
