import type { Build } from "../../core/build.js";
import type { LogStreamSource } from "./log-stream-source.js";

const NEWLINE = 0x0a;
/** Only this much of a line is kept: a 50 MB line must not become a 50 MB string. */
export const MAX_LINE = 64 * 1024;

/**
 * Some whole lines of a log, as they were read. Scanning a log by batches rather than line by
 * line lets a reader ask one question of a whole batch first (does "error" occur at all?) and look
 * at its lines only when the answer is yes: a 50 MB log is mostly lines no one is looking for.
 */
export interface LineBatch {
  /** The lines, each ending with a newline except perhaps the last (see `end`). */
  readonly bytes: Buffer;
  /** Where bytes[0] is in the log: the start of the batch's first line. */
  readonly start: number;
  /**
   * Where the batch's last line ends in the log (after its newline). Past start + bytes.length when
   * the batch is one line longer than MAX_LINE, of which bytes holds the first MAX_LINE.
   */
  readonly end: number;
  /** The last line goes on past what was read (the range ended inside it): it is not whole. */
  readonly cut: boolean;
}

/** How many lines a batch holds: its newlines, and one more if it does not end with one. */
export function linesIn(bytes: Buffer): number {
  let count = 0;
  for (let nl = bytes.indexOf(NEWLINE); nl !== -1; nl = bytes.indexOf(NEWLINE, nl + 1)) count++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE ? count + 1 : count;
}

/**
 * Every line of a batch (without its newline, at most MAX_LINE bytes), with where it starts and
 * where the next one does.
 */
export function* linesOf(batch: LineBatch): Generator<readonly [line: Buffer, start: number, end: number]> {
  const { bytes } = batch;
  let pos = 0;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(NEWLINE, pos);
    const stop = nl === -1 ? bytes.length : nl;
    const end = nl === -1 ? batch.end : batch.start + nl + 1;
    yield [bytes.subarray(pos, Math.min(stop, pos + MAX_LINE)), batch.start + pos, end];
    pos = stop + 1;
  }
}

/**
 * Bytes [start, end) of a step's log (start at a line start) as batches of whole lines, streamed:
 * memory is a chunk and one line of at most MAX_LINE bytes, whatever the log's size. `size` is the
 * log's: a last line that stops at `end` before it is `cut`.
 */
export async function* lineBatches(
  source: LogStreamSource,
  build: Build,
  step: number,
  start: number,
  end: number,
  size: number,
): AsyncGenerator<LineBatch> {
  let carry: Buffer[] = [];
  let carried = 0;
  let carryStart = start;
  let at = start;
  const keep = (bytes: Buffer): void => {
    if (carried < MAX_LINE) carry.push(bytes.subarray(0, MAX_LINE - carried));
    carried += bytes.length;
  };
  for await (const chunk of source.readRange(build, step, start, end)) {
    const bytes = chunk as Buffer;
    let pos = 0;
    if (carried > 0) {
      // Finish the line the last chunk ended in.
      const nl = bytes.indexOf(NEWLINE);
      if (nl === -1) {
        keep(bytes);
        at += bytes.length;
        continue;
      }
      keep(bytes.subarray(0, nl + 1));
      yield { bytes: Buffer.concat(carry), start: carryStart, end: at + nl + 1, cut: false };
      carry = [];
      carried = 0;
      pos = nl + 1;
    }
    const last = bytes.lastIndexOf(NEWLINE);
    if (last >= pos) {
      yield { bytes: bytes.subarray(pos, last + 1), start: at + pos, end: at + last + 1, cut: false };
      pos = last + 1;
    }
    if (pos < bytes.length) {
      carryStart = at + pos;
      keep(bytes.subarray(pos));
    }
    at += bytes.length;
  }
  if (carried > 0) yield { bytes: Buffer.concat(carry), start: carryStart, end: at, cut: at < size };
}
