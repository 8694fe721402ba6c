import { type Build, isFinal } from "../../core/build.js";
import { brightText } from "./ansi-to-html.js";
import { lineBatches, linesIn, linesOf, MAX_LINE } from "./line-batches.js";
import type { LogStreamSource } from "./log-stream-source.js";

/** Words that mark an error line in the output of common build tools. */
const ERROR = /\b(error|errors|fatal|panic|exception|fail|failed|failure|failing)\b/i;
/** Summary lines that mention errors without being one ("0 errors", "failed: 0"). */
const NOT_AN_ERROR = /\b(0|no) (errors?|failed|failures?)\b|\b(errors?|failed|failures?):? 0\b/i;
/** What every error line has (ERROR's words, without its word boundaries): asked of a whole batch first. */
const MAY_BE_ERROR = /error|fatal|panic|exception|fail/i;
/** How far from a log's end its last bright line is looked for when no line is an error. */
const TAIL_BYTES = 64 * 1024;

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
 * Buildbot's faint "elapsedTime=" is not it). Streams the logs, a batch of lines at a time, and
 * looks at a batch's lines only when one of the words occurs in it: never holds a log whole.
 */
export async function findFirstError(source: LogStreamSource, build: Build): Promise<LogLocation | null> {
  const failing = build.steps.filter((s) => s.status === "failed" || s.status === "timed_out");
  const order = failing.length > 0 ? failing : build.steps;
  for (const step of order) {
    const size = await source.size(build, step.index);
    if (size === null || size === 0) continue;
    const found = await scan(source, build, step.index, size);
    if (found.match !== null) return { step: step.index + 1, ...found.match };
    if (failing.length > 0) {
      return { step: step.index + 1, ...(await lastBright(source, build, step.index, size, found.lines)) };
    }
  }
  return null;
}

async function scan(
  source: LogStreamSource,
  build: Build,
  step: number,
  size: number,
): Promise<{ match: Found | null; lines: number }> {
  let line = 1;
  for await (const batch of lineBatches(source, build, step, 0, size, size)) {
    if (!MAY_BE_ERROR.test(batch.bytes.toString("latin1"))) {
      line += linesIn(batch.bytes);
      continue;
    }
    for (const [bytes, start] of linesOf(batch)) {
      if (isErrorLine(bytes.toString("utf8"))) return { match: { line, offset: start }, lines: line };
      line++;
    }
  }
  return { match: null, lines: line - 1 };
}

/** The last line with bright text among the log's last TAIL_BYTES, else its last line. */
async function lastBright(
  source: LogStreamSource,
  build: Build,
  step: number,
  size: number,
  lines: number,
): Promise<Found> {
  const from = Math.max(0, size - TAIL_BYTES);
  const starts: number[] = [];
  let bright = -1;
  for await (const batch of lineBatches(source, build, step, from, size, size)) {
    for (const [bytes, start] of linesOf(batch)) {
      // Read from the middle of a line, the first one may be a piece: never the answer.
      if (start === from && from > 0) continue;
      starts.push(start);
      if (brightText(bytes.toString("utf8")).trim() !== "") bright = starts.length - 1;
    }
  }
  const at = bright === -1 ? starts.length - 1 : bright;
  return { line: Math.max(1, lines - (starts.length - 1 - at)), offset: starts[at] ?? 0 };
}

/** Finished builds remembered; each is two numbers. */
const MAX_REMEMBERED = 1000;

/**
 * findFirstError for pages: a finished build's logs never change, so its answer is kept and a
 * failed build's page costs one scan of its failing step per process, not one per view.
 */
export class FirstErrors {
  readonly #known = new Map<number, LogLocation | null>();
  /** Scans under way: a viewer arriving while the build's finish is being scanned waits for that one. */
  readonly #scanning = new Map<number, Promise<LogLocation | null>>();

  constructor(readonly source: LogStreamSource) {}

  async find(build: Build): Promise<LogLocation | null> {
    if (!isFinal(build.status)) return findFirstError(this.source, build);
    if (this.#known.has(build.id)) return this.#known.get(build.id) ?? null;
    let scan = this.#scanning.get(build.id);
    if (!scan) {
      scan = findFirstError(this.source, build).finally(() => this.#scanning.delete(build.id));
      this.#scanning.set(build.id, scan);
    }
    const found = await scan;
    this.#known.set(build.id, found);
    for (const old of this.#known.keys()) {
      if (this.#known.size <= MAX_REMEMBERED) break;
      this.#known.delete(old);
    }
    return found;
  }
}
