import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Build } from "../../../../src/core/build.js";
import { encodeTimeRecord } from "../../../../src/core/log-times.js";
import { fileLogStreamSource } from "../../../../src/web/log/file-log-stream-source.js";
import { LineIndex } from "../../../../src/web/log/line-index.js";
import type { LogStreamSource } from "../../../../src/web/log/log-stream-source.js";
import { LogWindows, WINDOW_BYTES, WINDOW_LINES } from "../../../../src/web/log/log-window.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";

let dir: string;
const build = { id: 7, steps: [] } as unknown as Build;
const pathFor = (id: number, step: number) => path.join(dir, String(id), `${step}.log`);
const timesPathFor = (id: number, step: number) => path.join(dir, String(id), `${step}.times`);

/** Counts bytes read through the source, to show windows never read whole logs. */
function counting(source: LogStreamSource) {
  const stats = { bytes: 0 };
  const wrapped: LogStreamSource = {
    size: (b, s) => source.size(b, s),
    readRange: (b, s, start, end) => {
      const stream = source.readRange(b, s, start, end);
      stream.on("data", (chunk: Buffer) => {
        stats.bytes += chunk.length;
      });
      return stream;
    },
  };
  return { wrapped, stats };
}

async function write(step: number, text: string): Promise<void> {
  await mkdir(path.dirname(pathFor(build.id, step)), { recursive: true });
  await writeFile(pathFor(build.id, step), text);
}

beforeAll(async () => {
  dir = await makeTempDir("slashbuild-window-");
  // Step 0: 50 000 numbered lines (about 600 KB); step 1: a running step's unterminated tail.
  await write(0, Array.from({ length: 50_000 }, (_, i) => `line ${i + 1}\n`).join(""));
  await write(1, "one\ntwo\nthr");
  await write(2, "é".repeat(WINDOW_BYTES)); // one line, longer than a window, multi-byte
  // Step 3: six lines, and when they arrived: lines 1-2 in one second, 3-5 in the next, 6 later.
  await write(3, "a\nb\nc\nd\ne\nf\n");
  const records = [
    { offset: 0, at: 1_000_500 },
    { offset: 4, at: 1_001_200 },
    { offset: 10, at: 1_004_000 },
  ];
  await writeFile(timesPathFor(build.id, 3), Buffer.concat(records.map((r) => encodeTimeRecord(r))));
});

afterAll(() => removeDir(dir));

describe("LogWindows", () => {
  const files = () => fileLogStreamSource({ pathFor });

  it("shows the tail of a long log as whole, correctly numbered lines, reading only the tail", async () => {
    const { wrapped, stats } = counting(files());
    const windows = new LogWindows(new LineIndex(wrapped));
    const size = (await wrapped.size(build, 0)) ?? 0;
    const tail = await windows.before(build, 0);
    expect(tail.end).toBe(size);
    expect(tail.lines.at(-1)).toBe("line 50000");
    expect(tail.lines.length).toBeLessThanOrEqual(WINDOW_LINES);
    expect(tail.lines[0]).toBe(`line ${tail.firstLine}`);
    expect(tail.firstLine + tail.lines.length - 1).toBe(50_000);
    expect(tail.offsets[1]).toBe((tail.offsets[0] as number) + `line ${tail.firstLine}\n`.length);
    expect(tail.partial).toBe(false);

    // Numbering scanned the file once; asking again reads only the window plus the last stretch.
    const afterFirst = stats.bytes;
    await windows.before(build, 0);
    expect(stats.bytes - afterFirst).toBeLessThan(WINDOW_BYTES + 1024 * 1024 + 2);
  });

  it("pages earlier and later windows that meet exactly", async () => {
    const windows = new LogWindows(new LineIndex(files()));
    const tail = await windows.before(build, 0);
    const earlier = await windows.before(build, 0, tail.start);
    expect(earlier.end).toBe(tail.start);
    expect(earlier.firstLine + earlier.lines.length).toBe(tail.firstLine);
    const later = await windows.after(build, 0, earlier.start);
    expect(later.start).toBe(earlier.start);
    expect(later.lines.slice(0, 3)).toEqual(earlier.lines.slice(0, 3));
    expect(later.firstLine).toBe(earlier.firstLine);
  });

  it("finds the window around a linked line, and nothing past the end", async () => {
    const windows = new LogWindows(new LineIndex(files()));
    const window = await windows.atLine(build, 0, 31_234);
    expect(window).not.toBeNull();
    const at = (window?.lines ?? []).indexOf("line 31234");
    expect((window?.firstLine ?? 0) + at).toBe(31_234);
    expect(await windows.atLine(build, 0, 50_001)).toBeNull();
    expect((await windows.atLine(build, 0, 1))?.lines[0]).toBe("line 1");
  });

  it("holds back a running step's unterminated line", async () => {
    const windows = new LogWindows(new LineIndex(files()));
    const running = await windows.before(build, 1, undefined, true);
    expect(running.lines).toEqual(["one", "two"]);
    expect(running.end).toBe(8);
    const finished = await windows.before(build, 1);
    expect(finished.lines).toEqual(["one", "two", "thr"]);
    expect(finished.partial).toBe(true);
    const live = await windows.after(build, 1, 4, { wholeLinesOnly: true, numbered: false });
    expect(live.lines).toEqual(["two"]);
  });

  it("cuts a line longer than a window on a character boundary", async () => {
    const windows = new LogWindows(new LineIndex(files()));
    const window = await windows.after(build, 2, 0);
    expect(window.end).toBeLessThan(window.size);
    expect(window.partial).toBe(true);
    expect(window.lines[0]).toMatch(/^é+$/);
    const rest = await windows.after(build, 2, window.end);
    expect((window.lines[0] ?? "") + (rest.lines[0] ?? "")).toBe("é".repeat(WINDOW_BYTES));
  });

  it("opens around a line whose start and number are known, without counting from the log's start", async () => {
    const { wrapped, stats } = counting(files());
    const windows = new LogWindows(new LineIndex(wrapped));
    const offset = Array.from({ length: 40_000 }, (_, i) => `line ${i + 1}\n`).join("").length;
    const window = await windows.around(build, 0, offset, 40_001);
    expect(window.lines[30]).toBe("line 40001");
    expect(window.firstLine).toBe(39_971);
    expect(window.lines[0]).toBe("line 39971");
    expect(stats.bytes).toBeLessThan(WINDOW_BYTES + 16 * 1024);
    // At the log's start there is less above it.
    const first = await windows.around(build, 0, "line 1\nline 2\n".length, 3);
    expect(first.firstLine).toBe(1);
    expect(first.lines.slice(0, 3)).toEqual(["line 1", "line 2", "line 3"]);
  });

  it("carries when each line arrived, from the records beside the log", async () => {
    const timed = new LogWindows(new LineIndex(fileLogStreamSource({ pathFor, timesPathFor })));
    expect((await timed.before(build, 3)).times).toEqual([1_000_500, 0, 1_001_200, 0, 0, 1_004_000]);
    expect((await timed.after(build, 3, 6)).times).toEqual([1_001_200, 0, 1_004_000]);
    // No records (a log from before times were kept): no time on any line; no times at all without a place for them.
    expect((await timed.before(build, 1)).times).toEqual([0, 0, 0]);
    expect((await new LogWindows(new LineIndex(files())).before(build, 3)).times).toBeNull();
  });
});
