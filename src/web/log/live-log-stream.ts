import { type Build, isFinal } from "../../core/build.js";
import type { LogStreamSource } from "./log-stream-source.js";
import type { LogWindows } from "./log-window.js";
import { Waker } from "./waker.js";
import { windowLines } from "./window-lines.js";

/**
 * Where a live viewer is: every step before `step` (1-based) is complete, and of `step` the bytes
 * before `offset`. Sent as each SSE event's id (`step:offset`) so that EventSource's Last-Event-ID
 * resumes a dropped stream exactly: logs are append-only, so an offset always names the same byte.
 */
export interface Cursor {
  readonly step: number;
  readonly offset: number;
}

export function parseCursor(value: string | undefined): Cursor | null {
  const match = /^(\d{1,4}):(\d{1,15})$/.exec(value ?? "");
  if (!match) return null;
  return { step: Math.max(1, Number(match[1])), offset: Number(match[2]) };
}

export interface LiveLogOptions {
  readonly buildId: number;
  readonly from: Cursor;
  readonly getBuild: () => Build | undefined;
  readonly source: LogStreamSource;
  readonly windows: LogWindows;
  /** Calls the listener whenever this build changes (status, steps); returns unsubscribe. */
  readonly onBuildChange: (listener: () => void) => () => void;
  /** What a `build` event carries: fragments that replace the page's header and step table. */
  readonly describeBuild: (build: Build) => unknown | Promise<unknown>;
  /** Writes one SSE frame; resolves once written (honouring backpressure). */
  readonly send: (frame: string) => Promise<void>;
  readonly signal: AbortSignal;
  /** Re-check for output this often even without a wake-up (a wake can precede the bytes on disk). */
  readonly pollMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  readonly heartbeatMs?: number;
}

function frame(event: string, data: unknown, id?: string): string {
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Streams a build's log from a cursor until the build has finished and every byte has been sent,
 * then sends `end`. Only whole lines of a running step are sent (the rest waits for its newline),
 * so the page can number lines as they come. Reads go through the LogStreamSource in bounded
 * windows: memory per viewer does not depend on the log's size.
 */
export async function streamLiveLog(options: LiveLogOptions): Promise<void> {
  const { source, windows, signal } = options;
  const pollMs = options.pollMs ?? 250;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const waker = new Waker();
  let changed = true; // the first thing a (re)connected viewer gets is the build as it is now
  let step = options.from.step;
  let offset = options.from.offset;
  let quietSince = Date.now();
  const send = async (text: string): Promise<void> => {
    await options.send(text);
    quietSince = Date.now();
  };
  const stopWatching = [
    options.onBuildChange(() => {
      changed = true;
      waker.wake();
    }),
    source.watch?.(options.buildId, () => waker.wake()),
  ];
  const onAbort = (): void => waker.wake();
  signal.addEventListener("abort", onAbort);
  try {
    await send("retry: 1000\n\n");
    while (!signal.aborted) {
      const build = options.getBuild();
      if (!build) return;
      if (changed) {
        changed = false;
        await send(frame("build", await options.describeBuild(build)));
      }
      const current = build.steps[step - 1];
      if (current === undefined) {
        if (isFinal(build.status)) {
          await send(frame("end", { status: build.status }));
          return;
        }
      } else {
        // Status first, size second: a step's log is complete before the step is reported finished.
        const done = current.status !== "pending" && current.status !== "running";
        const size = (await source.size(build, step - 1)) ?? 0;
        offset = Math.min(offset, size);
        if (size > offset) {
          const window = await windows.after(build, step - 1, offset, {
            wholeLinesOnly: !done,
            numbered: false,
          });
          if (window.end > window.start) {
            const data = {
              s: step,
              o: window.start,
              e: window.end,
              partial: window.partial,
              ...windowLines(window),
            };
            await send(frame("log", data, `${step}:${window.end}`));
            offset = window.end;
            continue;
          }
        }
        if (done && offset >= size) {
          step++;
          offset = 0;
          continue;
        }
      }
      if (Date.now() - quietSince >= heartbeatMs) await send(": still here\n\n");
      await waker.wait(pollMs);
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    for (const stop of stopWatching) stop?.();
  }
}
