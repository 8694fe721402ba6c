import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

/** This checkout. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(ROOT, "bin", "slashbuild.js");

/** A free loopback port (bind to 0, read, release). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Waits until `predicate` holds, polling; fails with `what` after `limitMs` (a safety net, not a timing assertion). */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  limitMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Waits until the `serve` process `child` answers `${url}/healthz` (any status: the caller checks
 * it); fails at once, with what `stderr` gives, if the process exits first.
 */
export function waitForHealthz(
  child: ChildProcess,
  url: string,
  what: string,
  stderr: () => string = () => "",
): Promise<Response> {
  return waitFor(what, async () => {
    if (child.exitCode !== null) throw new Error(`slashbuild exited ${child.exitCode}: ${stderr()}`);
    return (await fetch(`${url}/healthz`).catch(() => null)) ?? undefined;
  });
}

/** A minimal `serve` config: one repo, `demo`, from `url`, whose build runs `true`. */
export function demoConfig(dir: string, url: string, token: string): Record<string, unknown> {
  return {
    data_dir: path.join(dir, "data"),
    log_level: "warn",
    mattermost: { token },
    repos: { demo: { url, commands: ["true"] } },
  };
}

/** A host user to run the service as (the test must be root to switch to it). */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** How the service is started, besides its user. */
export interface StartOptions {
  /**
   * A command that starts `node` (and execs it), e.g. `keyctl session -` for a keyring of its own,
   * `strace -f -o FILE` to trace it, or a filesystem of its own (small-filesystem.ts).
   */
  readonly launcher?: readonly string[];
  /** Descriptors of the test the service inherits, by the number it sees them at (no close-on-exec). */
  readonly fds?: Readonly<Record<number, number>>;
}

/** The `slashbuild serve` binary, run as a user runs it, on a config written to `dir`. */
export class ServiceProcess {
  readonly url: string;
  stdout = "";
  stderr = "";
  #child: ChildProcess | null = null;

  constructor(
    readonly configFile: string,
    readonly port: number,
    readonly env: Readonly<Record<string, string>> = {},
    /** Omitted: the test's own user. Node drops supplementary groups when it switches. */
    readonly runAs?: RunAs,
    readonly options: StartOptions = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async write(dir: string, config: Record<string, unknown>): Promise<ServiceProcess> {
    const port = await freePort();
    const file = path.join(dir, "slashbuild.yaml");
    await writeFile(
      file,
      stringify({ listen: `127.0.0.1:${port}`, public_url: `http://127.0.0.1:${port}`, ...config }),
    );
    return new ServiceProcess(file, port);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    const [launcher, ...launcherArgs] = this.options.launcher ?? [];
    const node = [process.execPath, BIN, "serve", "--config", this.configFile];
    const stdio: ("ignore" | "pipe" | number)[] = ["ignore", "pipe", "pipe"];
    for (const [at, fd] of Object.entries(this.options.fds ?? {})) {
      while (stdio.length <= Number(at)) stdio.push("ignore");
      stdio[Number(at)] = fd;
    }
    const child = spawn(
      launcher ?? (node[0] as string),
      launcher ? [...launcherArgs, ...node] : node.slice(1),
      {
        env: { ...process.env, ...this.env },
        stdio,
        ...(this.runAs ? { uid: this.runAs.uid, gid: this.runAs.gid } : {}),
      },
    );
    this.#child = child;
    child.stdout?.on("data", (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    const health = await waitForHealthz(child, this.url, "slashbuild to answer /healthz", () => this.stderr);
    if (!health.ok) throw new Error(`slashbuild answered /healthz with ${health.status}: ${this.stderr}`);
  }

  /** Sends a signal and waits for the exit; returns the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = once(child, "exit");
    child.kill(signal);
    const [code] = (await exited) as [number | null];
    this.#child = null;
    return code;
  }
}
