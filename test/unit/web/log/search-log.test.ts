import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Build } from "../../../../src/core/build.js";
import type { LogStreamSource } from "../../../../src/web/log/log-stream-source.js";
import { type SearchCursor, searchLog } from "../../../../src/web/log/search-log.js";

/** Logs in memory, served in 7-byte chunks so lines straddle chunk boundaries; counts what is read. */
function source(logs: string[]) {
  const stats = { bytes: 0 };
  const wrapped: LogStreamSource = {
    size: async (_b, s) => (logs[s] === undefined ? null : Buffer.byteLength(logs[s] ?? "")),
    readRange: (_b, s, start, end) => {
      const bytes = Buffer.from(logs[s] ?? "").subarray(start, end);
      stats.bytes += bytes.length;
      const chunks = [];
      for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
      return Readable.from(chunks);
    },
  };
  return { wrapped, stats };
}

const build = (steps: number) =>
  ({ id: 1, steps: Array.from({ length: steps }, (_, index) => ({ index })) }) as unknown as Build;
const START: SearchCursor = { step: 0, offset: 0, line: 1 };
const pattern = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "giu");
const roomy = { matches: 100, bytes: 1 << 20 };

describe("searchLog", () => {
  it("finds every line with the text in every step, in any case, as a person reads it", async () => {
    const logs = ["compiling\n\x1b[31mERROR\x1b[0m: a.c\nok\n", "Error again, error twice\nno newline error"];
    const result = await searchLog(source(logs).wrapped, build(2), pattern("error"), START, roomy);
    expect(result.next).toBeNull();
    expect(result.matches).toEqual([
      { step: 1, line: 2, text: "ERROR: a.c", hits: [[0, 5]] },
      {
        step: 2,
        line: 1,
        text: "Error again, error twice",
        hits: [
          [0, 5],
          [13, 5],
        ],
      },
      { step: 2, line: 2, text: "no newline error", hits: [[11, 5]] },
    ]);
  });

  it("reads at most its budget per answer, and goes on exactly where it stopped", async () => {
    const log = Array.from({ length: 1000 }, (_, i) =>
      i % 100 === 42 ? `needle ${i + 1}\n` : `hay ${i + 1}\n`,
    ).join("");
    const { wrapped, stats } = source([log, "needle in step 2\n"]);
    const found: string[] = [];
    let cursor: SearchCursor | null = START;
    let answers = 0;
    while (cursor) {
      stats.bytes = 0;
      const result = await searchLog(wrapped, build(2), pattern("needle"), cursor, {
        matches: 100,
        bytes: 2000,
      });
      expect(stats.bytes).toBeLessThanOrEqual(2000);
      found.push(...result.matches.map((m) => `${m.step}:${m.line}:${m.text}`));
      cursor = result.next;
      answers++;
    }
    expect(answers).toBeGreaterThanOrEqual(Math.ceil(Buffer.byteLength(log) / 2000));
    expect(found).toEqual([
      ...Array.from({ length: 10 }, (_, k) => `1:${k * 100 + 43}:needle ${k * 100 + 43}`),
      "2:1:needle in step 2",
    ]);
  });

  it("never cuts a line between two answers, unless the line alone is longer than an answer reads", async () => {
    // 24 bytes an answer: the first ends 6 bytes into line 2, in the middle of its "needle".
    const log = "aaaaaaaa needle 1\nbbbbneedle 2\n";
    let cursor: SearchCursor | null = START;
    const lines: number[] = [];
    while (cursor) {
      const result = await searchLog(source([log]).wrapped, build(1), pattern("needle"), cursor, {
        matches: 9,
        bytes: 24,
      });
      lines.push(...result.matches.map((m) => m.line));
      cursor = result.next;
    }
    expect(lines).toEqual([1, 2]);
  });

  it("stops at the match limit and says where to go on", async () => {
    const log = "x\nx\nx\nx\n";
    const first = await searchLog(source([log]).wrapped, build(1), pattern("x"), START, {
      matches: 2,
      bytes: 1000,
    });
    expect(first.matches.map((m) => m.line)).toEqual([1, 2]);
    expect(first.next).toEqual({ step: 0, offset: 4, line: 3 });
    const rest = await searchLog(
      source([log]).wrapped,
      build(1),
      pattern("x"),
      first.next as SearchCursor,
      roomy,
    );
    expect(rest.matches.map((m) => m.line)).toEqual([3, 4]);
    expect(rest.next).toBeNull();
  });

  it("shows a long line around its first hit, with the hits where they are in what is shown", async () => {
    const long = `${"a".repeat(500)}NEEDLE${"b".repeat(500)}`;
    const [match] = (
      await searchLog(source([`${long}\n`]).wrapped, build(1), pattern("needle"), START, roomy)
    ).matches;
    expect(match?.text.startsWith("…")).toBe(true);
    expect(match?.text.endsWith("…")).toBe(true);
    const [at, length] = match?.hits[0] ?? [0, 0];
    expect(match?.text.slice(at, at + length)).toBe("NEEDLE");
  });
});
