import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { freePort } from "../../test/helpers/service-process.js";

/**
 * The real `slashbuild serve` process, started as the README starts it (bin/slashbuild.js on the
 * compiled dist/, a YAML config file), on loopback and a temp data dir. Load comes from another
 * process (autocannon), so the server gets its own event loop and nothing of the load generator.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** SLASHBUILD_BIN runs another tree's bin/slashbuild.js (built), for a before/after comparison. */
const BIN = process.env.SLASHBUILD_BIN ?? path.join(ROOT, "bin", "slashbuild.js");
export const TOKEN = "bench-token";

export interface ServeOptions {
  /** The config document besides listen, public_url, data_dir and the slash token. */
  readonly config: Record<string, unknown>;
  /** An existing data dir (seeded history); default: a new temp dir, removed on stop. */
  readonly dataDir?: string;
  /** Extra node flags, e.g. --cpu-prof (profiling aid). */
  readonly nodeFlags?: readonly string[];
  /** The port to listen on (default: a free one), for configs that must name it beforehand. */
  readonly port?: number;
  /** Every chunk the server writes to stderr (its log), e.g. to read a debug-level timeline. */
  readonly onStderr?: (chunk: string) => void;
}

export class ServeProcess {
  #stdout = 0;
  private constructor(
    readonly url: string,
    readonly dataDir: string,
    readonly child: ChildProcess,
    /** From spawn to the first answered /healthz (serve listens only after recovering). */
    readonly readyMs: number,
    readonly stderr: () => string,
    readonly ownsDataDir: boolean,
  ) {
    child.stdout?.on("data", (chunk: Buffer) => {
      this.#stdout += chunk.length;
    });
  }

  static async start(options: ServeOptions): Promise<ServeProcess> {
    const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "slashbuild-bench-real-"));
    const port = options.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const configFile = path.join(dataDir, "bench-slashbuild.yaml");
    writeFileSync(
      configFile,
      stringify({
        listen: `127.0.0.1:${port}`,
        public_url: url,
        data_dir: dataDir,
        log_level: "warn",
        ...options.config,
        mattermost: { token: TOKEN, ...((options.config.mattermost as object | undefined) ?? {}) },
      }),
    );
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      // BENCH_SERVE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server itself.
      [...(options.nodeFlags ?? []), ...serveFlags(), BIN, "serve", "--config", configFile],
      { cwd: dataDir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stderr = (stderr + text).slice(-20_000);
      options.onStderr?.(text);
    });
    // stdout carries console-mode posts: read and drop them so the pipe never blocks the server.
    child.stdout?.resume();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`slashbuild serve exited ${child.exitCode}: ${stderr}`);
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (performance.now() - t0 > 120_000) throw new Error(`slashbuild serve never answered: ${stderr}`);
      await sleep(5);
    }
    const readyMs = performance.now() - t0;
    return new ServeProcess(url, dataDir, child, readyMs, () => stderr, options.dataDir === undefined);
  }

  /** Resident set size of the server process, in bytes (Linux /proc). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return Number(kb ?? Number.NaN) * 1024;
  }

  /** CPU time the server process has used so far (user + system), in ms (Linux /proc, 10 ms ticks). */
  cpuMs(): number {
    const stat = readFileSync(`/proc/${this.child.pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  }

  /** SIGTERM (graceful stop), then waits for the exit; removes the data dir it created. */
  async stop(options: { keepData?: boolean } = {}): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, "exit");
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.ownsDataDir && !options.keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** The form Mattermost posts for `/build TEXT` (../shared/mattermost/CONTRACT.md). */
export function slashForm(text: string): string {
  return new URLSearchParams({
    token: TOKEN,
    team_id: "team1",
    team_domain: "bench",
    channel_id: "chan-ci",
    channel_name: "ci",
    user_id: "user-1",
    user_name: "alice",
    command: "/build",
    text,
    response_url: "http://127.0.0.1:9/hooks/commands/x",
    trigger_id: "trigger-1",
  }).toString();
}

/** Node flags for every serve process a bench starts, from BENCH_SERVE_FLAGS (space-separated). */
function serveFlags(): string[] {
  return (process.env.BENCH_SERVE_FLAGS ?? "").split(" ").filter((flag) => flag !== "");
}
