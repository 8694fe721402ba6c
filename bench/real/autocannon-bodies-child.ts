import { createRequire } from "node:module";
import { text } from "node:stream/consumers";

/**
 * The load process of autocannon-bodies.ts: autocannon's programmatic API, which (unlike its CLI)
 * can send a different body with each request and read each answer. Reads its job as JSON on
 * stdin, writes the result as JSON on stdout. Run by the benchmark, never on its own.
 */

interface Job {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly bodies: readonly string[];
  readonly start?: number;
  readonly expect: string;
  readonly connections: number;
  readonly seconds: number;
}

interface RawRequest {
  body?: string;
}

type Autocannon = (
  options: {
    url: string;
    method: "POST";
    headers: Record<string, string>;
    connections: number;
    duration: number;
    requests: {
      setupRequest: (request: RawRequest) => RawRequest;
      onResponse: (status: number, body: string) => void;
    }[];
  },
  done: (error: Error | null, result: AutocannonResult) => void,
) => unknown;

interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
const job = JSON.parse(await text(process.stdin)) as Job;
const expect = new RegExp(job.expect);
let next = job.start ?? 0;
let matched = 0;
let mismatched = 0;
let sample: string | null = null;
autocannon(
  {
    url: job.url,
    method: "POST",
    headers: job.headers,
    connections: job.connections,
    duration: job.seconds,
    requests: [
      {
        // One counter across the connections: requests in flight at once always differ.
        setupRequest: (request) => ({ ...request, body: job.bodies[next++ % job.bodies.length] }),
        onResponse: (status, body) => {
          if (status === 200 && expect.test(body)) matched++;
          else {
            mismatched++;
            sample ??= `${status} ${body.slice(0, 300)}`;
          }
        },
      },
    ],
  },
  (error, result) => {
    if (error) throw error;
    process.stdout.write(
      JSON.stringify({
        requests: result.requests.total,
        errors: result.non2xx + result.errors + result.timeouts,
        perSecond: result.requests.total / result.duration,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        sent: next - (job.start ?? 0),
        matched,
        mismatched,
        sample,
      }),
    );
  },
);
