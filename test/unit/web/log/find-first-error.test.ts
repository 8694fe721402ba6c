import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Build, Step } from "../../../../src/core/build.js";
import { FirstErrors, findFirstError, isErrorLine } from "../../../../src/web/log/find-first-error.js";
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
      offset: 29,
    });
  });

  it("falls back to the failing step's last line when no line looks like an error", async () => {
    const logs = { 0: "a\nb\nexit status 2\n" };
    expect(await findFirstError(source(logs), buildWith(["failed"]))).toEqual({
      step: 1,
      line: 3,
      offset: 4,
    });
    expect(await findFirstError(source({ 0: "a\nno newline at end" }), buildWith(["timed_out"]))).toEqual({
      step: 1,
      line: 2,
      offset: 2,
    });
  });

  it("searches every step of a build without a failure, and says when there is nothing", async () => {
    const logs = { 0: "ok\n", 1: "warning\nfatal: not a git repository\n" };
    expect(await findFirstError(source(logs), buildWith(["succeeded", "succeeded"]))).toEqual({
      step: 2,
      line: 2,
      offset: 8,
    });
    expect(await findFirstError(source({ 0: "all good\n" }), buildWith(["succeeded"]))).toBeNull();
  });

  it("takes nothing printed faint for an error: Buildbot's header repeats the command's words", async () => {
    const faint = (text: string) => `\x1b[2m${text}\x1b[22m`;
    const log = [
      faint("sh -c 'make || echo failed'"),
      faint(" argv: [b'sh', b'-c', b'make || echo failed']"),
      faint(" using PTY: False"),
      "make: *** [all] Error 2",
      faint("program finished with exit code 2"),
      faint("elapsedTime=0.02"),
      "",
    ].join("\n");
    expect(await findFirstError(source({ 0: log }), buildWith(["failed"]))).toMatchObject({
      step: 1,
      line: 4,
    });
    expect(isErrorLine(faint("error"))).toBe(false);
    expect(isErrorLine(`${faint("12:00:01")} error: x`)).toBe(true);
  });

  it("falls back to the last line with bright text, not Buildbot's faint closing lines", async () => {
    const log = "\x1b[2mmake\x1b[22m\nit broke\n\x1b[2mprogram finished with exit code 1\x1b[22m\n";
    expect(await findFirstError(source({ 0: log }), buildWith(["failed"]))).toEqual({
      step: 1,
      line: 2,
      offset: 14,
    });
  });

  it("keeps a finished build's answer, and asks again while it runs", async () => {
    let reads = 0;
    const logs = source({ 0: "error: x\n" });
    const counting = {
      ...logs,
      size: (b: Build, s: number) => {
        reads += 1;
        return logs.size(b, s);
      },
    };
    const errors = new FirstErrors(counting);
    const finished = { ...buildWith(["failed"]), status: "failed" } as Build;
    await errors.find(finished);
    await errors.find(finished);
    expect(reads).toBe(1);
    const running = { ...buildWith(["failed"]), status: "running" } as Build;
    await errors.find(running);
    await errors.find(running);
    expect(reads).toBe(3);
  });
});
