import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogFiles } from "../../../../src/backends/local/log-files.js";
import { StepLog } from "../../../../src/backends/local/step-log.js";
import { decodeTimeRecords } from "../../../../src/core/log-times.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";

describe("StepLog", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it("masks secrets split across chunks before writing, and reports what it wrote", async () => {
    const file = path.join(dir, "0.log");
    const seen: string[] = [];
    const log = new StepLog({ file, limitBytes: 10_000, secrets: ["hunter2"], onText: (t) => seen.push(t) });
    const out = log.input();
    out.write(Buffer.from("password is hun"));
    out.write(Buffer.from("ter2\ndone"));
    out.end();
    await log.close();
    expect(await readFile(file, "utf8")).toBe("password is ****\ndone");
    expect(seen.join("")).toBe("password is ****\ndone");
  });

  it("decodes multi-byte characters split across chunks", async () => {
    const file = path.join(dir, "0.log");
    const log = new StepLog({ file, limitBytes: 10_000, secrets: [] });
    const bytes = Buffer.from("héllo ✓\n");
    const out = log.input();
    out.write(bytes.subarray(0, 2));
    out.write(bytes.subarray(2, 8));
    out.write(bytes.subarray(8));
    out.end();
    await log.close();
    expect(await readFile(file, "utf8")).toBe("héllo ✓\n");
  });

  it("stops at the cap with a clear notice and silently drops the rest", async () => {
    const file = path.join(dir, "0.log");
    const log = new StepLog({ file, limitBytes: 100, secrets: [] });
    const out = log.input();
    for (let i = 0; i < 50; i++) out.write(Buffer.from(`line ${i}\n`));
    out.end();
    await log.close();
    const text = await readFile(file, "utf8");
    expect(log.truncated).toBe(true);
    expect(text.endsWith("[slashbuild: log truncated at 100 bytes]\n")).toBe(true);
    expect(Buffer.byteLength(text.slice(0, text.indexOf("[slashbuild")))).toBeLessThanOrEqual(101);
    expect(text).toContain("line 0\n");
    expect(text).not.toContain("line 49");
  });
});

describe("StepLog times", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it("records where each second's output starts beside the log, once per second, the log unchanged", async () => {
    const file = path.join(dir, "0.log");
    const timesFile = path.join(dir, "0.times");
    let now = 5_000_100;
    const log = new StepLog({ file, timesFile, clock: () => now, limitBytes: 10_000, secrets: [] });
    const out = log.input();
    out.write(Buffer.from("one\n"));
    now = 5_000_900;
    out.write(Buffer.from("two\n"));
    now = 5_002_000;
    out.write(Buffer.from("three\n"));
    out.end();
    await log.close();
    expect(await readFile(file, "utf8")).toBe("one\ntwo\nthree\n");
    expect(decodeTimeRecords(await readFile(timesFile))).toEqual([
      { offset: 0, at: 5_000_100 },
      { offset: 8, at: 5_002_000 },
    ]);
  });
});

describe("LogFiles", () => {
  it("finds logs at <dataDir>/logs/<build>/<step>.log and reads them back", async () => {
    const dataDir = await makeTempDir();
    try {
      const logs = new LogFiles(dataDir);
      expect(logs.pathFor(7, 2)).toBe(path.join(dataDir, "logs", "7", "2.log"));
      expect(await logs.read(7, 2)).toBeNull();
      await mkdir(logs.dirFor(7), { recursive: true });
      await writeFile(logs.pathFor(7, 2), "output\n");
      expect(await logs.read(7, 2)).toBe("output\n");
      expect(await logs.read({ id: 7 }, 2)).toBe("output\n");
    } finally {
      await removeDir(dataDir);
    }
  });

  it("refuses ids that are not plain numbers", () => {
    const logs = new LogFiles("/data");
    expect(() => logs.pathFor(-1, 0)).toThrow(RangeError);
    expect(() => logs.pathFor(1.5, 0)).toThrow(RangeError);
    expect(() => logs.pathFor(Number.NaN, 0)).toThrow(RangeError);
  });
});
