import { describe, expect, it } from "vitest";
import { formatDuration } from "../../../src/core/format-duration.js";

describe("formatDuration", () => {
  it("reads like a person would write it", () => {
    expect(formatDuration(42_000)).toBe("42s");
    expect(formatDuration(185_000)).toBe("3m 05s");
    expect(formatDuration(3_723_000)).toBe("1h 02m 03s");
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(300)).toBe("0.3s");
    expect(formatDuration(3_000)).toBe("3s");
    expect(formatDuration(4_240)).toBe("4.2s");
    expect(formatDuration(9_960)).toBe("10s");
    expect(formatDuration(-5)).toBe("0s");
  });
});
