import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * autocannon run as its own process (its CLI, JSON output), so the load generator never shares an
 * event loop with the server under test. Loopback only.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(ROOT, "node_modules", "autocannon", "autocannon.js");

export interface CannonOptions {
  readonly url: string;
  readonly method?: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly connections: number;
  readonly seconds: number;
  /** Stop after this many requests instead of after `seconds`. */
  readonly amount?: number;
}

export interface CannonResult {
  readonly requests: number;
  /** Answers other than 2xx, plus connection errors and timeouts. */
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

export function autocannon(options: CannonOptions): Promise<CannonResult> {
  const target = new URL(options.url);
  if (target.hostname !== "127.0.0.1")
    throw new Error(`benchmarks run on loopback only, not ${target.hostname}`);
  const args = [
    CLI,
    "--json",
    "--no-progress",
    "-c",
    String(options.connections),
    "-d",
    String(options.seconds),
    "-m",
    options.method ?? "GET",
  ];
  if (options.amount !== undefined) args.push("-a", String(options.amount));
  for (const [key, value] of Object.entries(options.headers ?? {})) args.push("-H", `${key}=${value}`);
  if (options.body !== undefined) args.push("-b", options.body);
  args.push(options.url);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`autocannon failed: ${error.message} ${stderr}`));
      const json = JSON.parse(stdout) as AutocannonJson;
      resolve({
        requests: json.requests.total,
        errors: json.non2xx + json.errors + json.timeouts,
        perSecond: json.requests.total / json.duration,
        p50Ms: json.latency.p50,
        p99Ms: json.latency.p99,
      });
    });
  });
}
