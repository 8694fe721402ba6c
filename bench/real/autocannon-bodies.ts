import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CannonResult } from "./autocannon.js";

/**
 * autocannon with a body of its own per request, cycling through `bodies`, each answer checked
 * against `expect` (autocannon's CLI sends one body and reads no answer). Like autocannon.ts it runs
 * in its own process, so the load generator never shares an event loop with the server under test.
 * Loopback only.
 */

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "autocannon-bodies-child.ts");

export interface BodiesOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Sent in turn, one per request, from the first again after the last. */
  readonly bodies: readonly string[];
  /** The index of the first body sent (default 0), so a run can go on where the last one stopped. */
  readonly start?: number;
  /** What every answer's body must match (a refusal is HTTP 200 too). */
  readonly expect: RegExp;
  readonly connections: number;
  readonly seconds: number;
}

export interface BodiesResult extends CannonResult {
  /** Requests autocannon built, answered or not (the last ones may be cut by the end of the run). */
  readonly sent: number;
  readonly matched: number;
  readonly mismatched: number;
  /** The first answer that did not match, to show what it was. */
  readonly sample: string | null;
}

export function autocannonBodies(options: BodiesOptions): Promise<BodiesResult> {
  const target = new URL(options.url);
  if (target.hostname !== "127.0.0.1")
    throw new Error(`benchmarks run on loopback only, not ${target.hostname}`);
  const job = JSON.stringify({ ...options, expect: options.expect.source });
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", CHILD],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`autocannon failed: ${error.message} ${stderr}`));
        resolve(JSON.parse(stdout) as BodiesResult);
      },
    );
    child.stdin?.end(job);
  });
}
