import type { Build } from "../../core/build.js";
import { stripAnsi } from "./ansi-to-html.js";
import type { LogStreamSource } from "./log-stream-source.js";

/** Where a search goes on: a step (0-based), a line start in its log, and that line's number. */
export interface SearchCursor {
  readonly step: number;
  readonly offset: number;
  readonly line: number;
}

export interface SearchMatch {
  /** 1-based step and line. */
  readonly step: number;
  readonly line: number;
  /** The line as a person reads it (no escape sequences), cut around the first hit when long. */
  readonly text: string;
  /** [start, length] of each hit in `text`. */
  readonly hits: readonly (readonly [number, number])[];
}

export interface SearchResult {
  readonly matches: readonly SearchMatch[];
  /** Where to go on from (a budget ran out before the last step's end); null when it was all read. */
  readonly next: SearchCursor | null;
}

export interface SearchLimits {
  /** Matches per answer. */
  readonly matches: number;
  /** Log bytes read per answer: what one request may cost, whatever the log's size. */
  readonly bytes: number;
}

/** Only this much of a line is searched: a 50 MB line must not become a 50 MB string. */
const MAX_LINE = 64 * 1024;
/** Shown of a long matching line: some before the first hit, more after. */
const BEFORE_HIT = 80;
const SHOWN = 240;

/**
 * Finds `pattern` (global, per line) in the build's logs from `from` on, step after step, streaming
 * each log in chunks: memory stays a chunk and a line, and one call reads at most `limits.bytes`
 * (then `next` says where to go on). Lines are matched as a person reads them, escape sequences
 * stripped. Logs are masked where they are kept, so what is searched never holds a secret.
 */
export async function searchLog(
  source: LogStreamSource,
  build: Build,
  pattern: RegExp,
  from: SearchCursor,
  limits: SearchLimits,
): Promise<SearchResult> {
  const matches: SearchMatch[] = [];
  let read = 0;
  const spent = (): boolean => matches.length >= limits.matches || read >= limits.bytes;
  for (let step = from.step; step < build.steps.length; step++) {
    if (spent()) return { matches, next: { step, offset: 0, line: 1 } };
    const size = (await source.size(build, step)) ?? 0;
    const first = step === from.step;
    let line = first ? from.line : 1;
    let at = first ? Math.min(from.offset, size) : 0;
    const began = at;
    let lineStart = at;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const test = (): void => {
      const match = matchLine(stripAnsi(Buffer.concat(pending).toString("utf8")), pattern);
      if (match) matches.push({ step: step + 1, line, ...match });
      pending = [];
      pendingBytes = 0;
    };
    if (at >= size) continue;
    // Never more than the budget left, so one answer reads at most limits.bytes.
    for await (const chunk of source.readRange(build, step, at, Math.min(size, at + limits.bytes - read))) {
      const bytes = chunk as Buffer;
      let pos = 0;
      for (;;) {
        const nl = bytes.indexOf(0x0a, pos);
        const piece = bytes.subarray(pos, nl === -1 ? bytes.length : nl);
        if (pendingBytes < MAX_LINE) pending.push(piece.subarray(0, MAX_LINE - pendingBytes));
        pendingBytes += piece.length;
        if (nl === -1) break;
        test();
        line++;
        pos = nl + 1;
        lineStart = at + pos;
        if (matches.length >= limits.matches && at + pos < size) {
          return { matches, next: { step, offset: at + pos, line } };
        }
      }
      at += bytes.length;
      read += bytes.length;
    }
    if (at < size) {
      // The budget ran out: next time, go on from the line it ran out in, read again whole. Only a
      // line longer than a whole answer's budget is cut: its rest is searched as a line of its own,
      // under the same number.
      if (lineStart > began) return { matches, next: { step, offset: lineStart, line } };
      if (pendingBytes > 0) test();
      return { matches, next: { step, offset: at, line } };
    }
    if (pendingBytes > 0) test();
  }
  return { matches, next: null };
}

/** The hits of `pattern` in `text`, and the text cut around the first one when long; null if none. */
function matchLine(text: string, pattern: RegExp): Omit<SearchMatch, "step" | "line"> | null {
  const hits: [number, number][] = [];
  pattern.lastIndex = 0;
  for (const found of text.matchAll(pattern)) {
    if (found[0].length === 0) break;
    hits.push([found.index, found[0].length]);
  }
  const firstHit = hits[0];
  if (!firstHit) return null;
  if (text.length <= SHOWN) return { text, hits };
  const cut = Math.max(0, firstHit[0] - BEFORE_HIT);
  const shown = text.slice(cut, cut + SHOWN);
  const lead = cut > 0 ? "…" : "";
  const kept = hits
    .map(([start, length]): [number, number] => [start - cut + lead.length, length])
    .filter(([start, length]) => start >= lead.length && start + length <= lead.length + shown.length);
  return { text: `${lead}${shown}${cut + SHOWN < text.length ? "…" : ""}`, hits: kept };
}
