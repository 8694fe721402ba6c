import { describe, expect, it } from "vitest";
import {
  decodeTimeRecords,
  encodeTimeRecord,
  lineTimes,
  TIME_RECORD_BYTES,
} from "../../../src/core/log-times.js";

describe("log times", () => {
  it("round-trips fixed-size records, leaving out one still being written", () => {
    const records = [
      { offset: 0, at: 1_700_000_000_123 },
      { offset: 5_000_000_000, at: 1_700_000_001_999 },
    ];
    const bytes = new Uint8Array(TIME_RECORD_BYTES * 2 + 5);
    records.forEach((record, i) => {
      bytes.set(encodeTimeRecord(record), i * TIME_RECORD_BYTES);
    });
    expect(decodeTimeRecords(bytes)).toEqual(records);
  });

  it("gives each line the time of the last record at or before its start, once per second", () => {
    const records = [
      { offset: 0, at: 10_100 },
      { offset: 12, at: 11_050 },
      { offset: 30, at: 13_000 },
    ];
    // Lines at 0 and 5 arrived in second 10, 12 and 20 in second 11, 30 in 13.
    expect(lineTimes(records, [0, 5, 12, 20, 30])).toEqual([10_100, 0, 11_050, 0, 13_000]);
    // A window that starts later still gets a time on its first line.
    expect(lineTimes(records.slice(1), [20, 30])).toEqual([11_050, 13_000]);
    expect(lineTimes([], [0, 1])).toEqual([0, 0]);
  });
});
