import { type Build, isFinal } from "../../core/build.js";
import { brightText } from "./ansi-to-html.js";
import type { LogStreamSource } from "./log-stream-source.js";

/** Words that mark an error line in the output of common build tools. */
const ERROR = /\b(error|errors|fatal|panic|exception|fail|failed|failure|failing)\b/i;
/** Summary lines that mention errors without being one ("0 errors", "failed: 0"). */
const NOT_AN_ERROR = /\b(0|no) (errors?|failed|failures?)\b|\b(errors?|failed|failures?):? 0\b/i;
/** Only this much of a line is searched: a 50 MB line must not become a 50 MB string. */
const MAX_LINE = 64 * 1024;

/**
 * Whether a log line (as written, escape sequences included) looks like an error: marked on the
 * page as it loads, and what a failed build's page opens on. Faint text does not count (see
 * brightText): Buildbot's header lines, which repeat the command (its words included), are faint.
 */
export function isErrorLine(line: string): boolean {
  const text = brightText(line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line);
  return ERROR.test(text) && !NOT_AN_ERROR.test(text);
}

export interface LogLocation {
  /** 1-based step and line. */
  readonly step: number;
  readonly line: number;
  /** Byte offset where the line starts, so a page can open there without counting lines again. */
  readonly offset: number;
}

interface Found {
  readonly line: number;
  readonly offset: number;
}

/**
 * The first line that looks like an error, which a failed build's page opens on. The failing step
 * is searched first (that is where the error that matters is); when none of its lines looks like
 * one, its last line with something bright on it is the answer (build tools print the reason last;
 * Buildbot's faint "elapsedTime=" is not it). Streams the logs; never holds one whole.
 */
export async function findFirstError(source: LogStreamSource, build: Build): Promise<LogLocation | null> {
  const failing = build.steps.filter((s) => s.status === "failed" || s.status === "timed_out");
  const order = failing.length > 0 ? failing : build.steps;
  for (const step of order) {
    const size = await source.size(build, step.index);
    if (size === null || size === 0) continue;
    const found = await scan(source, build, step.index, size);
    if (found.match !== null) return { step: step.index + 1, ...found.match };
    if (failing.length > 0) return { step: step.index + 1, ...found.lastBright };
  }
  return null;
}

async function scan(
  source: LogStreamSource,
  build: Build,
  step: number,
  size: number,
): Promise<{ match: Found | null; lastBright: Found }> {
  let line = 1;
  let start = 0;
  let at = 0;
  let lastBright: Found | null = null;
  let lastWhole: Found = { line: 1, offset: 0 };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Whether the line is an error; notes it when it has bright text. */
  const test = (parts: Buffer[]): boolean => {
    const text = Buffer.concat(parts).toString("utf8");
    if (brightText(text).trim() !== "") lastBright = { line, offset: start };
    return isErrorLine(text);
  };
  for await (const chunk of source.readRange(build, step, 0, size)) {
    const bytes = chunk as Buffer;
    let pos = 0;
    for (;;) {
      const nl = bytes.indexOf(0x0a, pos);
      const piece = bytes.subarray(pos, nl === -1 ? bytes.length : nl);
      if (pendingBytes < MAX_LINE) {
        pending.push(piece.subarray(0, MAX_LINE - pendingBytes));
        pendingBytes += piece.length;
      }
      if (nl === -1) break;
      if (test(pending)) return { match: { line, offset: start }, lastBright: { line, offset: start } };
      lastWhole = { line, offset: start };
      line++;
      start = at + nl + 1;
      pending = [];
      pendingBytes = 0;
      pos = nl + 1;
    }
    at += bytes.length;
  }
  if (pendingBytes > 0) {
    if (test(pending)) return { match: { line, offset: start }, lastBright: { line, offset: start } };
    lastWhole = { line, offset: start };
  }
  // No line with bright text at all: the log's last line.
  return { match: null, lastBright: lastBright ?? lastWhole };
}

/** Finished builds remembered; each is two numbers. */
const MAX_REMEMBERED = 1000;

/**
 * findFirstError for pages: a finished build's logs never change, so its answer is kept and a
 * failed build's page costs one scan of its failing step per process, not one per view.
 */
export class FirstErrors {
  readonly #known = new Map<number, LogLocation | null>();

  constructor(readonly source: LogStreamSource) {}

  async find(build: Build): Promise<LogLocation | null> {
    if (!isFinal(build.status)) return findFirstError(this.source, build);
    if (this.#known.has(build.id)) return this.#known.get(build.id) ?? null;
    const found = await findFirstError(this.source, build);
    this.#known.set(build.id, found);
    for (const old of this.#known.keys()) {
      if (this.#known.size <= MAX_REMEMBERED) break;
      this.#known.delete(old);
    }
    return found;
  }
}
