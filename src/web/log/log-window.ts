import type { Build } from "../../core/build.js";
import { lineTimes } from "../../core/log-times.js";
import type { LineIndex } from "./line-index.js";
import { hasLineTimes } from "./log-stream-source.js";
import { readRangeBuffer, utf8Boundary } from "./read-range.js";

/**
 * A window onto one step's log: whole lines between two byte offsets, with the number of its first
 * line. Pages render windows, never whole logs, so a 50 MB log costs the browser and the server the
 * same as a small one; "load earlier/later" and links to a line fetch further windows.
 */
export interface LogWindow {
  readonly step: number;
  /** Byte offsets [start, end) of the window in the step's log. */
  readonly start: number;
  readonly end: number;
  /** 1-based number of the first line. */
  readonly firstLine: number;
  readonly lines: readonly string[];
  /** Byte offset where each line starts (lets the page drop lines and still know its start). */
  readonly offsets: readonly number[];
  /** The last line has no newline yet (a cut inside a very long line, or a log's unterminated end). */
  readonly partial: boolean;
  /** Bytes in the log when the window was read. */
  readonly size: number;
  /**
   * When each line arrived (epoch ms; 0: in the same second as the line before it), or null when the
   * log has no per-line times (core/log-times.ts).
   */
  readonly times: readonly number[] | null;
}

/** At most this many bytes and lines per window: a few thousand DOM rows stay light. */
export const WINDOW_BYTES = 128 * 1024;
export const WINDOW_LINES = 2000;
/** Lines shown above a linked line, for context, and how far back they are looked for. */
const CONTEXT_LINES = 30;
const CONTEXT_BYTES = 8 * 1024;
/**
 * Time records read for one window. There is one per second with output, so a window of 2000 lines
 * written over more than this many seconds (a progress bar redrawing one line) shows its later
 * lines with an earlier time rather than reading without bound.
 */
const MAX_TIME_RECORDS = 8192;

const NEWLINE = 0x0a;

interface Cut {
  readonly lines: string[];
  readonly starts: number[];
  readonly ends: number[];
}

/** Splits bytes into lines; `ends[i]` is the offset just after line i (after its newline if any). */
function splitLines(bytes: Buffer): Cut {
  const lines: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(NEWLINE, pos);
    const stop = nl === -1 ? bytes.length : nl;
    starts.push(pos);
    lines.push(bytes.toString("utf8", pos, stop));
    pos = nl === -1 ? bytes.length : nl + 1;
    ends.push(pos);
  }
  return { lines, starts, ends };
}

export class LogWindows {
  constructor(readonly index: LineIndex) {}

  /**
   * The window ending at `before` (the end of the log when omitted). With `wholeLinesOnly` (a step
   * still running), an unterminated last line is left for the live stream to deliver.
   */
  async before(build: Build, step: number, before?: number, wholeLinesOnly = false): Promise<LogWindow> {
    const size = (await this.index.source.size(build, step)) ?? 0;
    let end = Math.min(before ?? size, size);
    // Read one byte before the window to learn whether it starts at a line start.
    const from = Math.max(0, end - WINDOW_BYTES - 1);
    let bytes = await readRangeBuffer(this.index.source, build, step, from, end);
    if (wholeLinesOnly) {
      const lastNl = bytes.lastIndexOf(NEWLINE);
      const keep = lastNl === -1 ? 0 : lastNl + 1;
      end -= bytes.length - keep;
      bytes = bytes.subarray(0, keep);
    }
    let start = from;
    if (from > 0) {
      const nl = bytes.indexOf(NEWLINE);
      // A single line longer than the window: show its tail rather than nothing.
      const skip = nl === -1 ? utf8Boundary(bytes, 1) : nl + 1;
      bytes = bytes.subarray(skip);
      start = from + skip;
    }
    const cut = splitLines(bytes);
    const base = start;
    let dropped = 0;
    if (cut.lines.length > WINDOW_LINES) {
      dropped = cut.lines.length - WINDOW_LINES;
      start += cut.ends[dropped - 1] ?? 0;
    }
    const lines = cut.lines.slice(dropped);
    const offsets = cut.starts.slice(dropped).map((rel) => base + rel);
    const firstLine = (await this.index.linesBefore(build, step, start)) + 1;
    return {
      step,
      start,
      end,
      firstLine,
      lines,
      offsets,
      partial: end > start && !bytes.subarray(-1).equals(Buffer.from("\n")),
      size,
      times: await this.#times(build, step, offsets, end),
    };
  }

  /**
   * The window starting at `after` (a line start), towards the end of the log. The live stream
   * passes `numbered: false`: it needs no line numbers, and counting them costs a scan.
   */
  async after(
    build: Build,
    step: number,
    after: number,
    {
      wholeLinesOnly = false,
      numbered = true,
      firstLine: known,
    }: { wholeLinesOnly?: boolean; numbered?: boolean; firstLine?: number } = {},
  ): Promise<LogWindow> {
    const size = (await this.index.source.size(build, step)) ?? 0;
    const start = Math.min(after, size);
    const limit = Math.min(size, start + WINDOW_BYTES);
    let bytes = await readRangeBuffer(this.index.source, build, step, start, limit);
    if (limit < size || wholeLinesOnly) {
      const lastNl = bytes.lastIndexOf(NEWLINE);
      // Whole lines when there are any; a line longer than the window is cut at a character boundary.
      const keep =
        lastNl !== -1 ? lastNl + 1 : wholeLinesOnly && limit === size ? 0 : utf8Boundary(bytes, bytes.length);
      bytes = bytes.subarray(0, keep);
    }
    const cut = splitLines(bytes);
    let end = start + bytes.length;
    if (cut.lines.length > WINDOW_LINES) end = start + (cut.ends[WINDOW_LINES - 1] ?? bytes.length);
    const lines = cut.lines.slice(0, WINDOW_LINES);
    const offsets = cut.starts.slice(0, WINDOW_LINES).map((rel) => start + rel);
    const firstLine = known ?? (numbered ? (await this.index.linesBefore(build, step, start)) + 1 : 0);
    const last = end > start ? bytes[end - start - 1] : NEWLINE;
    const times = await this.#times(build, step, offsets, end);
    return { step, start, end, firstLine, lines, offsets, partial: last !== NEWLINE, size, times };
  }

  /** A window showing line `line` with some context above it; null when the log is shorter. */
  async atLine(build: Build, step: number, line: number): Promise<LogWindow | null> {
    const size = (await this.index.source.size(build, step)) ?? 0;
    if ((await this.index.lineStart(build, step, line, size)) === null) return null;
    const from = await this.index.lineStart(build, step, Math.max(1, line - CONTEXT_LINES), size);
    return this.after(build, step, from ?? 0);
  }

  /**
   * A window showing the line that starts at `offset`, whose number is known (`line`), with up to
   * CONTEXT_LINES above it: what a failed build's page opens on. Counts nothing from the log's
   * start, so it costs the same wherever in the log the line is.
   */
  async around(build: Build, step: number, offset: number, line: number): Promise<LogWindow> {
    const from = Math.max(0, offset - CONTEXT_BYTES);
    const before = await readRangeBuffer(this.index.source, build, step, from, offset);
    // `before` ends with the newline of the line above (offset is a line start). Walk back over
    // whole lines only: a line cut at `from` is not shown.
    const back = (from: number): number => (from < 0 ? -1 : before.lastIndexOf(NEWLINE, from));
    let start = offset;
    let above = 0;
    let nl = back(before.length - 2);
    while (above < CONTEXT_LINES && before.length > 0) {
      if (nl === -1) {
        if (from === 0) {
          start = 0;
          above++;
        }
        break;
      }
      start = from + nl + 1;
      above++;
      nl = back(nl - 1);
    }
    return this.after(build, step, start, { firstLine: line - above });
  }

  async #times(build: Build, step: number, offsets: readonly number[], end: number) {
    const source = this.index.source;
    if (!hasLineTimes(source, build) || !source.times) return null;
    if (offsets.length === 0) return [];
    const records = await source.times(build, step, offsets[0] ?? 0, end, MAX_TIME_RECORDS);
    return lineTimes(records, offsets);
  }
}
