import { open, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CHUNK_BYTES, readText } from "../../../../src/backends/local/workspace-files.js";
import { tempDirPerTest } from "../../../helpers/temp-dir-per-test.js";

/**
 * readText hands a report over CHUNK_BYTES at a time, each piece read with its own await, so
 * parsing a large report is many short steps of the event loop and never holds the file whole.
 * (The link and FIFO refusals are tested with the collector, collect-test-reports.test.ts.)
 */

const newDir = tempDirPerTest("slashbuild-workspace-files-");

async function chunksOf(bytes: number, maxBytes: number) {
  const file = path.join(await newDir(), "report.xml");
  await writeFile(file, "é".repeat(bytes / 2));
  const handle = await open(file, "r");
  try {
    const { chunks, read } = readText(handle, maxBytes);
    const seen: string[] = [];
    for await (const chunk of chunks) seen.push(chunk);
    return { seen, read };
  } finally {
    await handle.close();
  }
}

describe("readText", () => {
  it("reads at most CHUNK_BYTES at a time, and splits no character", async () => {
    const { seen, read } = await chunksOf(4 * CHUNK_BYTES, Number.MAX_SAFE_INTEGER);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (const chunk of seen) expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(CHUNK_BYTES);
    expect(seen.join("")).toBe("é".repeat(2 * CHUNK_BYTES));
    expect(read).toEqual({ bytes: 4 * CHUNK_BYTES, cut: false });
  });

  it("stops at maxBytes and says whether the file went on", async () => {
    expect((await chunksOf(1000, 600)).read).toEqual({ bytes: 600, cut: true });
    expect((await chunksOf(1000, 1000)).read).toEqual({ bytes: 1000, cut: false });
  });
});
