import { open, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogFiles } from "../../../../src/backends/local/log-files.js";
import { type OpenFile, readFileTail } from "../../../../src/backends/local/read-file-tail.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";

/** fs/promises' open, recording every positioned read (what the bound is about). */
function countingOpen(reads: { position: number; length: number }[]): OpenFile {
  return async (file, flags) => {
    const handle = await open(file, flags);
    return {
      stat: () => handle.stat(),
      read: async (buffer, offset, length, position) => {
        const result = await handle.read(buffer, offset, length, position);
        reads.push({ position, length: result.bytesRead });
        return result;
      },
      close: () => handle.close(),
    };
  };
}

describe("readFileTail", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it("reads only the last maxBytes of a large file, never its start, and drops the cut first line", async () => {
    const file = path.join(dir, "big.log");
    const filler = `${"x".repeat(99)}\n`.repeat(40_000); // 4 MB
    await writeFile(file, `FIRST-LINE-MARKER\n${filler}error: the real failure\nmake: *** Error 2\n`);
    const reads: { position: number; length: number }[] = [];
    const maxBytes = 64 * 1024;

    const tail = await readFileTail(file, maxBytes, countingOpen(reads));

    const { size } = await (await open(file, "r")).stat();
    expect(tail.complete).toBe(false);
    expect(tail.text.endsWith("error: the real failure\nmake: *** Error 2\n")).toBe(true);
    expect(tail.text).not.toContain("FIRST-LINE-MARKER");
    // Whole lines only: the line the window started in is gone.
    expect(tail.text.split("\n")[0]).toBe("x".repeat(99));
    expect(reads.reduce((sum, r) => sum + r.length, 0)).toBeLessThanOrEqual(maxBytes);
    expect(reads.every((r) => r.position >= size - maxBytes)).toBe(true);
  });

  it("returns a small file whole", async () => {
    const file = path.join(dir, "small.log");
    await writeFile(file, "one\ntwo\n");
    expect(await readFileTail(file, 1024)).toEqual({ text: "one\ntwo\n", complete: true });
  });

  it("LogFiles.readTail: null for a step without a log", async () => {
    expect(await new LogFiles(dir).readTail(7, 0, 1024)).toBeNull();
  });
});
