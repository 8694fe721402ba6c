import type { Build } from "../../core/build.js";
import type { LogStreamSource } from "./log-stream-source.js";

const NEWLINE = 0x0a;
/** A checkpoint (offset → newlines before it) is kept every this many bytes of a scanned log. */
const CHECKPOINT_BYTES = 1024 * 1024;
/** Logs remembered; each costs a few numbers per MB. */
const MAX_LOGS = 256;

/**
 * Line numbers for byte offsets in append-only logs. Counting newlines in a 50 MB log streams it
 * once (memory stays one chunk); the checkpoints it leaves make later questions about the same
 * log cheap. Because logs only grow, a checkpoint never goes stale.
 */
export class LineIndex {
  readonly #logs = new Map<string, Array<readonly [offset: number, lines: number]>>();

  constructor(readonly source: LogStreamSource) {}

  /** How many newlines come before `offset` (so the line starting there is number result + 1). */
  async linesBefore(build: Build, step: number, offset: number): Promise<number> {
    const points = this.#points(build, step);
    let from: readonly [number, number] = [0, 0];
    for (const point of points) if (point[0] <= offset && point[0] >= from[0]) from = point;
    let [at, lines] = from;
    if (at === offset) return lines;
    let next = (Math.floor(at / CHECKPOINT_BYTES) + 1) * CHECKPOINT_BYTES;
    for await (const chunk of this.source.readRange(build, step, at, offset)) {
      const bytes = chunk as Buffer;
      let pos = 0;
      while (pos < bytes.length) {
        // Count up to the next checkpoint boundary, record it, go on.
        const stop = Math.min(bytes.length, pos + (next - (at + pos)));
        lines += countNewlines(bytes, pos, stop);
        pos = stop;
        if (at + pos === next) {
          this.#remember(points, next, lines);
          next += CHECKPOINT_BYTES;
        }
      }
      at += bytes.length;
    }
    return lines;
  }

  /** The byte offset where line `line` (1-based) starts, or null when the log is shorter. */
  async lineStart(build: Build, step: number, line: number, size: number): Promise<number | null> {
    if (line <= 1) return 0;
    const wanted = line - 1; // newlines before the line's start
    const points = this.#points(build, step);
    let from: readonly [number, number] = [0, 0];
    for (const point of points) if (point[1] < wanted && point[0] >= from[0]) from = point;
    let [at, lines] = from;
    for await (const chunk of this.source.readRange(build, step, at, size)) {
      const bytes = chunk as Buffer;
      let pos = 0;
      for (;;) {
        const nl = bytes.indexOf(NEWLINE, pos);
        if (nl === -1) break;
        lines++;
        if (lines === wanted) return at + nl + 1 < size ? at + nl + 1 : null;
        pos = nl + 1;
      }
      at += bytes.length;
    }
    return null;
  }

  #points(build: Build, step: number): Array<readonly [number, number]> {
    const key = `${build.id}:${step}`;
    let points = this.#logs.get(key);
    if (!points) {
      points = [];
      this.#logs.set(key, points);
      for (const old of this.#logs.keys()) {
        if (this.#logs.size <= MAX_LOGS) break;
        this.#logs.delete(old);
      }
    }
    return points;
  }

  #remember(points: Array<readonly [number, number]>, offset: number, lines: number): void {
    if (!points.some((point) => point[0] === offset)) points.push([offset, lines]);
  }
}

function countNewlines(bytes: Buffer, from = 0, to = bytes.length): number {
  let count = 0;
  let pos = bytes.indexOf(NEWLINE, from);
  while (pos !== -1 && pos < to) {
    count++;
    pos = bytes.indexOf(NEWLINE, pos + 1);
  }
  return count;
}
