import { Readable } from "node:stream";
import type { Build } from "../../core/build.js";
import type { TimeRecord } from "../../core/log-times.js";
import type { LogSource } from "../../core/ports.js";

/**
 * What the web pages need from a backend's logs: byte ranges of an append-only text, so a 50 MB log
 * is streamed from where it lives and never held whole in the server's memory. Offsets are bytes of
 * the UTF-8 log; because logs only grow, an offset names the same place forever, which is what
 * makes live-log resumption (SSE Last-Event-ID) exact.
 *
 * The embedded runner's log files implement it directly (file-log-stream-source.ts). Any plain
 * `LogSource` (Buildbot's REST API through BuildbotLogSource) is adapted by `textLogStreamSource`.
 */
export interface LogStreamSource {
  /** Bytes of the step's log written so far; null when the step has no log (yet). */
  size(build: Build, stepIndex: number): Promise<number | null>;
  /** Bytes [start, end) of the step's log, within what `size` reported. */
  readRange(build: Build, stepIndex: number, start: number, end: number): Readable;
  /**
   * Calls `wake` when a build's logs may have grown. Optional: without it live viewers poll. A wake
   * is only a hint (the text may not have reached the disk yet); readers re-check `size`.
   */
  watch?(buildId: number, wake: () => void): () => void;
  /** Whether this build's logs have per-line times (see `times`); absent = whether `times` exists. */
  hasTimes?(build: Build): boolean;
  /**
   * When the lines of bytes [start, end) arrived (core/log-times.ts): the records in the range and
   * the one before it, at most `limit`. Optional: a source without it (Buildbot's REST API) has no
   * per-line times, and the page says so.
   */
  times?(build: Build, stepIndex: number, start: number, end: number, limit: number): Promise<TimeRecord[]>;
}

/** Whether the build's logs have per-line times (a source without `times` has none). */
export function hasLineTimes(source: LogStreamSource, build: Build): boolean {
  return source.hasTimes ? source.hasTimes(build) : source.times !== undefined;
}

/** Sends each build to the source of its backend (local files, Buildbot's REST API, ...). */
export function logSourceByBackend(
  sources: Partial<Record<Build["backend"], LogStreamSource>>,
): LogStreamSource & Required<Pick<LogStreamSource, "hasTimes" | "times">> {
  const pick = (build: Build): LogStreamSource | undefined => sources[build.backend];
  return {
    size: async (build, step) => (await pick(build)?.size(build, step)) ?? null,
    hasTimes: (build) => pick(build)?.times !== undefined,
    times: async (build, step, start, end, limit) =>
      (await pick(build)?.times?.(build, step, start, end, limit)) ?? [],
    readRange: (build, step, start, end) =>
      pick(build)?.readRange(build, step, start, end) ?? Readable.from([]),
    watch: (buildId, wake) => {
      const stops = Object.values(sources).map((source) => source?.watch?.(buildId, wake));
      return () => {
        for (const stop of stops) stop?.();
      };
    },
  };
}

/** How long a fetched text is reused: one page view asks for size and ranges in quick succession. */
const TEXT_TTL_MS = 2000;
const TEXT_CACHE_ENTRIES = 4;

/**
 * Adapts a whole-text LogSource (e.g. BuildbotLogSource, which fetches `logs/{id}/raw`) to ranges.
 * Such a source holds each log in memory while it is read; a short cache of a few entries stops one
 * page view from fetching the same log once per range.
 */
export function textLogStreamSource(source: LogSource, clock: () => number = Date.now): LogStreamSource {
  const cache = new Map<string, { at: number; bytes: Buffer | null }>();
  const bytesOf = async (build: Build, step: number): Promise<Buffer | null> => {
    const key = `${build.id}:${step}`;
    const hit = cache.get(key);
    if (hit && clock() - hit.at < TEXT_TTL_MS) return hit.bytes;
    const text = await source.read(build, step);
    const bytes = text === null ? null : Buffer.from(text, "utf8");
    cache.delete(key);
    cache.set(key, { at: clock(), bytes });
    for (const old of cache.keys()) {
      if (cache.size <= TEXT_CACHE_ENTRIES) break;
      cache.delete(old);
    }
    return bytes;
  };
  return {
    size: async (build, step) => (await bytesOf(build, step))?.length ?? null,
    readRange: (build, step, start, end) =>
      Readable.from(
        (async function* () {
          const bytes = await bytesOf(build, step);
          if (bytes && end > start) yield bytes.subarray(start, Math.min(end, bytes.length));
        })(),
      ),
  };
}
