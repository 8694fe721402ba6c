import type { Build } from "../../core/build.js";
import { stripAnsi, withoutEscapes } from "./ansi-to-html.js";
import { lineBatches, linesIn, linesOf } from "./line-batches.js";
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

/** Shown of a long matching line: some before the first hit, more after. */
const BEFORE_HIT = 80;
const SHOWN = 240;

/**
 * Finds `pattern` (global, per line) in the build's logs from `from` on, step after step, streaming
 * each log a batch of lines at a time (line-batches.ts): memory stays a chunk and a line, a batch
 * whose text lacks the pattern costs one regular-expression pass, and one call reads at most
 * `limits.bytes` (then `next` says where to go on). Lines are matched as a person reads them,
 * escape sequences stripped. Logs are masked where they are kept, so what is searched holds no secret.
 */
export async function searchLog(
  source: LogStreamSource,
  build: Build,
  pattern: RegExp,
  from: SearchCursor,
  limits: SearchLimits,
): Promise<SearchResult> {
  const matches: SearchMatch[] = [];
  const anywhere = new RegExp(pattern.source, pattern.flags.replace("g", ""));
  let read = 0;
  for (let step = from.step; step < build.steps.length; step++) {
    if (matches.length >= limits.matches || read >= limits.bytes) {
      return { matches, next: { step, offset: 0, line: 1 } };
    }
    const size = (await source.size(build, step)) ?? 0;
    const first = step === from.step;
    const began = first ? Math.min(from.offset, size) : 0;
    let line = first ? from.line : 1;
    // Never more than the budget left, so one answer reads at most limits.bytes.
    const end = Math.min(size, began + limits.bytes - read);
    let cut = false;
    for await (const batch of lineBatches(source, build, step, began, end, size)) {
      if (batch.cut && batch.start > began) {
        // The budget ran out inside this line: the next answer reads it again, whole.
        return { matches, next: { step, offset: batch.start, line } };
      }
      // Only a line longer than a whole answer's budget is cut: its rest is searched next time as
      // a line of its own, under the same number.
      cut = batch.cut;
      if (!anywhere.test(withoutEscapes(batch.bytes.toString("utf8")))) {
        line += linesIn(batch.bytes);
        continue;
      }
      for (const [bytes, , lineEnd] of linesOf(batch)) {
        const match = matchLine(stripAnsi(bytes.toString("utf8")), pattern);
        if (match) matches.push({ step: step + 1, line, ...match });
        line++;
        if (matches.length >= limits.matches && lineEnd < size) {
          return { matches, next: { step, offset: lineEnd, line: cut ? line - 1 : line } };
        }
      }
    }
    read += end - began;
    if (end < size) return { matches, next: { step, offset: end, line: cut ? line - 1 : line } };
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
