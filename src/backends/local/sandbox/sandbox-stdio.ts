import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Writable } from "node:stream";
import { INFO_FD } from "./sandbox-fds.js";
import type { SandboxedCommand } from "./sandbox-plan.js";

type Stdio = "ignore" | "pipe" | number;

/**
 * The stdio of a sandbox's bwrap (sandbox-fds.ts): stdin closed; stdout, stderr and bwrap's info
 * fd pipes; the report fd, each input fd (the seccomp program, a network's resolv.conf) and a
 * network's block fd pipes too. Nothing else is handed to bwrap.
 */
export function sandboxStdio(command: SandboxedCommand): Stdio[] {
  const stdio: Stdio[] = ["ignore", "pipe", "pipe"];
  const pipes = [
    INFO_FD,
    ...(command.reportFd === undefined ? [] : [command.reportFd]),
    ...inputFds(command),
    ...(command.network ? [command.network.blockFd] : []),
  ];
  for (const fd of pipes) {
    while (stdio.length <= fd) stdio.push("ignore");
    stdio[fd] = "pipe";
  }
  return stdio;
}

/** Writes each input on its pipe and closes it (bwrap reads an input to its end before it goes on). */
export function feedInputs(child: ChildProcess, command: SandboxedCommand): void {
  for (const fd of inputFds(command)) {
    const pipe = child.stdio[fd] as Writable | null | undefined;
    // A bwrap that failed to start closes the pipe: its exit says why, not an EPIPE here.
    pipe?.on("error", () => {});
    pipe?.end(command.inputs[fd]);
  }
}

/**
 * For a synchronous spawn, which cannot write to a pipe: each input as a file in `dir`, opened
 * for reading at its fd's place in `stdio`. Call `close` once the process has ended.
 */
export function inputFiles(command: SandboxedCommand, dir: string): { stdio: Stdio[]; close: () => void } {
  const stdio: Stdio[] = sandboxStdio(command);
  const opened: number[] = [];
  for (const fd of inputFds(command)) {
    const file = path.join(dir, `sandbox-input-${fd}`);
    writeFileSync(file, command.inputs[fd] as Buffer, { mode: 0o600 });
    const handle = openSync(file, "r");
    opened.push(handle);
    stdio[fd] = handle;
  }
  const close = (): void => {
    for (const fd of opened) closeSync(fd);
  };
  return { stdio, close };
}

function inputFds(command: SandboxedCommand): number[] {
  return Object.keys(command.inputs).map(Number);
}
