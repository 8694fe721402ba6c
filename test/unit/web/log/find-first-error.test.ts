import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Build, Step } from "../../../../src/core/build.js";
import { findFirstError } from "../../../../src/web/log/find-first-error.js";
import type { LogStreamSource } from "../../../../src/web/log/log-stream-source.js";

/** Logs in memory, served in small chunks so lines straddle chunk boundaries. */
function source(logs: Record<number, string>): LogStreamSource {
  return {
    size: async (_b, s) => (logs[s] === undefined ? null : Buffer.byteLength(logs[s] ?? "")),
    readRange: (_b, s, start, end) => {
      const bytes = Buffer.from(logs[s] ?? "").subarray(start, end);
      const chunks = [];
      for (let i = 0; i < bytes.length; i += 5) chunks.push(bytes.subarray(i, i + 5));
      return Readable.from(chunks);
    },
  };
}

function buildWith(statuses: Step["status"][]): Build {
  return {
    id: 1,
    steps: statuses.map((status, index) => ({
      index,
      name: `s${index}`,
      status,
      exitCode: null,
      startedAt: 0,
      finishedAt: 0,
    })),
  } as unknown as Build;
}

describe("findFirstError", () => {
  it("finds the first error-looking line of the failing step, ignoring '0 errors' summaries", async () => {
    const logs = {
      0: "error in a step that passed\n",
      1: "compiling\n0 errors, 0 failed\n\x1b[31mERROR\x1b[0m: src/x.ts broke\nerror: later\n",
    };
    expect(await findFirstError(source(logs), buildWith(["succeeded", "failed"]))).toEqual({
      step: 2,
      line: 3,
    });
  });

  it("falls back to the failing step's last line when no line looks like an error", async () => {
    const logs = { 0: "a\nb\nexit status 2\n" };
    expect(await findFirstError(source(logs), buildWith(["failed"]))).toEqual({ step: 1, line: 3 });
    expect(await findFirstError(source({ 0: "a\nno newline at end" }), buildWith(["timed_out"]))).toEqual({
      step: 1,
      line: 2,
    });
  });

  it("searches every step of a build without a failure, and says when there is nothing", async () => {
    const logs = { 0: "ok\n", 1: "warning\nfatal: not a git repository\n" };
    expect(await findFirstError(source(logs), buildWith(["succeeded", "succeeded"]))).toEqual({
      step: 2,
      line: 2,
    });
    expect(await findFirstError(source({ 0: "all good\n" }), buildWith(["succeeded"]))).toBeNull();
  });
});
