import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import type { LogStreamSource } from "./log-stream-source.js";

/** The embedded runner's side: where its log files are, and its live-output signal. */
export interface LogFileLocation {
  pathFor(buildId: number, stepIndex: number): string;
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
