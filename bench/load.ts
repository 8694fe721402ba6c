import { Agent, request } from "node:http";

/**
 * A closed-loop HTTP load generator: `connections` keep-alive connections, each sending its next
 * request when the previous answer is complete. Bounded by count and by time; loopback only.
 * Written on node:http rather than fetch so the generator's own overhead stays small next to the
 * server under test.
 */

export interface LoadOptions {
  readonly url: string;
  readonly method?: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  /** A fixed body, or one per request (numbered from 0). */
  readonly body?: string | ((n: number) => string);
  readonly connections: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  /** Status codes that count as success (default 200). */
  readonly okStatus?: readonly number[];
  /** The answer must match too: a slash refusal is also HTTP 200. */
  readonly expectBody?: RegExp;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly firstError: string | null;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(target.hostname)) {
    throw new Error(`benchmarks run on loopback only, not ${target.hostname}`);
  }
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const ok = new Set(options.okStatus ?? [200]);
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const one = (n: number) =>
    new Promise<void>((resolve) => {
      const body = typeof options.body === "function" ? options.body(n) : (options.body ?? "");
      const t0 = performance.now();
      const req = request(
        target,
        {
          agent,
          method: options.method ?? "POST",
          headers: { ...options.headers, "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            if (options.expectBody) text += chunk;
          });
          res.on("end", () => {
            latencies.push(performance.now() - t0);
            if (!ok.has(res.statusCode ?? 0) || (options.expectBody && !options.expectBody.test(text))) {
              errors += 1;
              firstError ??= `HTTP ${res.statusCode}: ${text.slice(0, 200)}`;
            }
            resolve();
          });
        },
      );
      req.on("error", (error) => {
        errors += 1;
        firstError ??= error.message;
        resolve();
      });
      req.end(body);
    });

  const worker = async () => {
    while (sent < options.maxRequests && performance.now() < deadline) await one(sent++);
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    elapsedMs,
    perSecond: (latencies.length / elapsedMs) * 1000,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    firstError,
  };
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
