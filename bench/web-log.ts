import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { type Benchmark, fmt } from "./benchmark.js";

/**
 * The web UI on a build with a 50 MB log: time to first byte and to a usable page (in chromium: the
 * log's last lines on screen), and the server's memory while 8 viewers at once download the raw
 * log and 8 replay it over the live stream. The server runs in its own process (web-log-server.ts)
 * so its RSS is its own. Targets: pages stay fast however long the log (only a window is sent),
 * and memory does not grow with the log (everything is streamed).
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const VIEWERS = 8;
const MB = 1024 * 1024;

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  readonly buildId: number;
  readonly bytes: number;
  rss: number;
  peak: number;
}

async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(HERE, "web-log-server.ts")], {
    env: { ...process.env, SIZE_MB: "50" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buffer = "";
    let server: Server | null = null;
    child.once("exit", (code) => reject(new Error(`web-log-server exited ${code}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        const [kind, a, b, c] = line.split(" ");
        if (kind === "READY") {
          server = { child, url: a ?? "", buildId: Number(b), bytes: Number(c), rss: 0, peak: 0 };
          resolve(server);
        } else if (kind === "RSS" && server) {
          server.rss = Number(a);
          server.peak = Math.max(server.peak, server.rss);
        }
      }
    });
  });
}

async function timeToFirstByte(url: string): Promise<{ ttfb: number; total: number; bytes: number }> {
  const start = performance.now();
  const response = await fetch(url);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let chunk = await reader.read();
  const ttfb = performance.now() - start;
  let bytes = 0;
  while (!chunk.done) {
    bytes += chunk.value.length;
    chunk = await reader.read();
  }
  return { ttfb, total: performance.now() - start, bytes };
}

/** Reads a whole response, as slowly as the network lets it, and counts the bytes. */
async function drain(url: string): Promise<number> {
  const response = await fetch(url);
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  return bytes;
}

/** The whole log searched the way the page's search box does: answer after answer until `next` is null. */
async function searchAll(
  page: string,
  query: string,
): Promise<{ answers: number; slowest: number; total: number; matches: number }> {
  type Next = { step: number; from: number; line: number } | null;
  let next: Next = null;
  let answers = 0;
  let slowest = 0;
  let matches = 0;
  const start = performance.now();
  do {
    const more: string = next ? `&step=${next.step}&from=${next.from}&line=${next.line}` : "";
    const asked = performance.now();
    const answer = (await (await fetch(`${page}/search?q=${query}${more}`)).json()) as {
      matches: unknown[];
      next: Next;
    };
    slowest = Math.max(slowest, performance.now() - asked);
    answers++;
    matches += answer.matches.length;
    next = answer.next;
  } while (next);
  return { answers, slowest, total: performance.now() - start, matches };
}

async function usablePage(url: string, lastLine: string): Promise<number | null> {
  if (!existsSync(CHROMIUM)) return null;
  const context = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
    ],
  });
  try {
    const page = await context.newPage();
    const start = performance.now();
    await page.goto(url, { waitUntil: "domcontentloaded" });
    // A function, not a string: the page's CSP forbids eval.
    await page.waitForFunction(
      (text) =>
        (
          globalThis as unknown as { document: { body: { textContent: string } } }
        ).document.body.textContent.includes(text),
      lastLine,
    );
    const ms = performance.now() - start;
    await page.close();
    return ms;
  } finally {
    await context.close();
  }
}

export const webLog: Benchmark = {
  name: "Web UI: a build with a 50 MB log",
  unavailable: () => null,
  async run() {
    const server = await startServer();
    try {
      const page = `${server.url}/builds/${server.buildId}`;
      const cold = await timeToFirstByte(page);
      const warm = await timeToFirstByte(page);
      const usable = await usablePage(page, "1 test failed");
      const search = await searchAll(page, "error");
      const idle = server.rss;
      server.peak = idle;
      const raw = `${page}/steps/1/raw`;
      const sse = `${page}/events?from=1:0`;
      const start = performance.now();
      const got = await Promise.all([
        ...Array.from({ length: VIEWERS }, () => drain(raw)),
        ...Array.from({ length: VIEWERS }, () => drain(sse)),
      ]);
      const streamMs = performance.now() - start;
      const rawBytes = got.slice(0, VIEWERS).reduce((a, b) => a + b, 0);
      const logMb = server.bytes / MB;
      return {
        table: [
          ["measure", "value"],
          ["log size", `${fmt(logMb)} MB`],
          ["build page: first byte (first view: first error found, lines counted)", `${fmt(cold.ttfb)} ms`],
          ["build page: whole HTML (first view)", `${fmt(cold.total)} ms, ${fmt(cold.bytes / 1024)} KB`],
          ["build page: first byte (again)", `${fmt(warm.ttfb)} ms`],
          [
            "build page usable in chromium (the first error on screen)",
            usable === null ? "n/a (no chromium)" : `${fmt(usable)} ms`,
          ],
          [
            "search the whole log (answers of at most 16 MB)",
            `${search.answers} answers, slowest ${fmt(search.slowest)} ms, all ${fmt(search.total)} ms, ${search.matches} match`,
          ],
          ["server RSS idle, after the page views", `${fmt(idle / MB)} MB`],
          [
            `server RSS peak: ${VIEWERS} raw downloads + ${VIEWERS} full live replays at once`,
            `${fmt(server.peak / MB)} MB`,
          ],
          [
            "bytes streamed to the 16 viewers",
            `${fmt(got.reduce((a, b) => a + b, 0) / MB)} MB in ${fmt(streamMs / 1000, 2)} s`,
          ],
        ],
        verdicts: [
          `a page sends a window, not the log: ${fmt(cold.bytes / 1024)} KB of HTML for a ${fmt(logMb)} MB log`,
          `memory while streaming ${fmt(rawBytes / MB)} MB of raw log to ${VIEWERS} viewers (plus ${VIEWERS} live replays): peak ${fmt((server.peak - idle) / MB)} MB above idle (holding the log once per viewer would take ${fmt((2 * VIEWERS * server.bytes) / MB)} MB)`,
        ],
        notes: ["the server runs in its own process; RSS is sampled every 20 ms from inside it"],
      };
    } finally {
      server.child.kill("SIGTERM");
    }
  },
};
