import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import type { Build } from "../../core/build.js";
import { decodeTimeRecords, TIME_RECORD_BYTES, type TimeRecord } from "../../core/log-times.js";
import type { LogStreamSource } from "./log-stream-source.js";

/** The embedded runner's side: where its log files are, and its live-output signal. */
export interface LogFileLocation {
  pathFor(buildId: number, stepIndex: number): string;
  /** Where the times its lines arrived are (core/log-times.ts); without it, no per-line times. */
  timesPathFor?(buildId: number, stepIndex: number): string;
}
export interface LiveLogSignal {
  onLog(listener: (buildId: number, stepIndex: number, text: string) => void): () => void;
}

/** Read a range in pieces this big: memory per viewer stays bounded whatever the log's size. */
const CHUNK_BYTES = 64 * 1024;

/**
 * The embedded runner's log files (`<dataDir>/logs/<id>/<index>.log`, append-only, already masked)
 * as a LogStreamSource. Ranges are streamed from disk; `onLog` is the wake-up signal for live
 * viewers (it fires as text is handed to the file, possibly a moment before the bytes land).
 */
export function fileLogStreamSource(files: LogFileLocation, live?: LiveLogSignal): LogStreamSource {
  const timesPath = files.timesPathFor?.bind(files);
  return {
    async size(build, step) {
      try {
        return (await stat(files.pathFor(build.id, step))).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    readRange(build, step, start, end) {
      if (end <= start) return Readable.from([]);
      // createReadStream's `end` is inclusive.
      return createReadStream(files.pathFor(build.id, step), {
        start,
        end: end - 1,
        highWaterMark: CHUNK_BYTES,
      });
    },
    ...(timesPath
      ? {
          times: (build: Build, step: number, start: number, end: number, limit: number) =>
            readTimes(timesPath(build.id, step), start, end, limit),
        }
      : {}),
    ...(live
      ? {
          watch: (buildId: number, wake: () => void) =>
            live.onLog((id) => {
              if (id === buildId) wake();
            }),
        }
      : {}),
  };
}

/**
 * The records covering bytes [start, end) of a log: the last one at or before `start` (found by
 * binary search over the fixed-size records) and those after it below `end`, at most `limit`. A few
 * small reads whatever the log's length. No file (a build from before times were kept): none.
 */
async function readTimes(file: string, start: number, end: number, limit: number): Promise<TimeRecord[]> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  try {
    const count = Math.floor((await handle.stat()).size / TIME_RECORD_BYTES);
    const at = async (index: number): Promise<TimeRecord | undefined> => {
      const bytes = Buffer.alloc(TIME_RECORD_BYTES);
      await handle.read(bytes, 0, TIME_RECORD_BYTES, index * TIME_RECORD_BYTES);
      return decodeTimeRecords(bytes)[0];
    };
    // The last record whose offset is at or before start (or the first, if none is).
    let low = 0;
    let high = count - 1;
    let first = 0;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (((await at(mid))?.offset ?? 0) <= start) {
        first = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    const take = Math.max(0, Math.min(limit, count - first));
    const bytes = Buffer.alloc(take * TIME_RECORD_BYTES);
    await handle.read(bytes, 0, bytes.length, first * TIME_RECORD_BYTES);
    return decodeTimeRecords(bytes).filter((record, i) => i === 0 || record.offset < end);
  } finally {
    await handle.close();
  }
}
