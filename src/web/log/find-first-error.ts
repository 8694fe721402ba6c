import type { Build } from "../../core/build.js";
import { stripAnsi } from "./ansi-to-html.js";
import type { LogStreamSource } from "./log-stream-source.js";

/** Words that mark an error line in the output of common build tools. */
const ERROR = /\b(error|errors|fatal|panic|exception|fail|failed|failure|failing)\b/i;
/** Summary lines that mention errors without being one ("0 errors", "failed: 0"). */
const NOT_AN_ERROR = /\b(0|no) (errors?|failed|failures?)\b|\b(errors?|failed|failures?):? 0\b/i;
/** Only this much of a line is searched: a 50 MB line must not become a 50 MB string. */
const MAX_LINE = 64 * 1024;

export interface LogLocation {
  /** 1-based step and line. */
  readonly step: number;
  readonly line: number;
}

/**
 * The first line that looks like an error, for "Jump to first error". The failing step is searched
 * first (that is where the error that matters is); when none of its lines looks like one, its last
 * line is the answer (build tools print the reason last). Streams the logs; never holds one whole.
 */
export async function findFirstError(source: LogStreamSource, build: Build): Promise<LogLocation | null> {
  const failing = build.steps.filter((s) => s.status === "failed" || s.status === "timed_out");
  const order = failing.length > 0 ? failing : build.steps;
  for (const step of order) {
    const size = await source.size(build, step.index);
    if (size === null || size === 0) continue;
    const found = await scan(source, build, step.index, size);
    if (found.match !== null) return { step: step.index + 1, line: found.match };
    if (failing.length > 0) return { step: step.index + 1, line: Math.max(1, found.lines) };
  }
  return null;
}

async function scan(
  source: LogStreamSource,
  build: Build,
  step: number,
  size: number,
): Promise<{ match: number | null; lines: number }> {
  let line = 1;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const test = (parts: Buffer[]): boolean => {
    const text = stripAnsi(Buffer.concat(parts).toString("utf8"));
    return ERROR.test(text) && !NOT_AN_ERROR.test(text);
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
      if (test(pending)) return { match: line, lines: line };
      line++;
      pending = [];
      pendingBytes = 0;
      pos = nl + 1;
    }
  }
  if (pendingBytes > 0 && test(pending)) return { match: line, lines: line };
  return { match: null, lines: pendingBytes > 0 ? line : line - 1 };
}
