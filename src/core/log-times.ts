/**
 * When each line of a step's log arrived (reached the log: the runner writes a line once it ends,
 * or a long one in pieces), kept beside the log (`<step>.times` next to
 * `<step>.log`) so the log itself stays exactly what the build printed. One record per second in
 * which output arrived: the byte offset where that second's first chunk starts and the time it
 * arrived (epoch ms). A line's time is the time of the last record at or before its first byte, true
 * to the second. Records are fixed-size (two big-endian float64, exact for integers below 2^53), so
 * a page finds a window's records by binary search: its cost does not grow with the log. A build
 * printing all along for an hour adds 57 KB to a log of any size.
 *
 * The embedded runner writes them (backends/local/step-log.ts); the web reads them
 * (web/log/file-log-stream-source.ts). Buildbot's REST API gives no per-line times.
 */
export const TIME_RECORD_BYTES = 16;

export interface TimeRecord {
  readonly offset: number;
  readonly at: number;
}

export function encodeTimeRecord(record: TimeRecord): Uint8Array {
  const bytes = new Uint8Array(TIME_RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  view.setFloat64(0, record.offset);
  view.setFloat64(8, record.at);
  return bytes;
}

/** Whole records in `bytes` (a trailing partial record, one being written, is left out). */
export function decodeTimeRecords(bytes: Uint8Array): TimeRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: TimeRecord[] = [];
  for (let at = 0; at + TIME_RECORD_BYTES <= bytes.byteLength; at += TIME_RECORD_BYTES) {
    records.push({ offset: view.getFloat64(at), at: view.getFloat64(at + 8) });
  }
  return records;
}

/**
 * The time of each line that starts at `offsets` (ascending), from the records that cover them
 * (ascending by offset; the first at or before offsets[0]). 0 where a line arrived in the same
 * second as the line before it, so a page prints a time only where it changes; the first line
 * always has one, unless no record covers it (0).
 */
export function lineTimes(records: readonly TimeRecord[], offsets: readonly number[]): number[] {
  const times: number[] = [];
  let next = 0;
  let current: TimeRecord | null = null;
  let shownSecond = -1;
  for (const offset of offsets) {
    while (next < records.length && (records[next]?.offset ?? Number.POSITIVE_INFINITY) <= offset) {
      current = records[next] ?? null;
      next++;
    }
    const second = current === null ? -1 : Math.floor(current.at / 1000);
    times.push(current !== null && second !== shownSecond ? current.at : 0);
    shownSecond = second;
  }
  return times;
}
