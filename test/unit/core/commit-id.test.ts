import { describe, expect, it } from "vitest";
import { isFullCommitId } from "../../../src/core/commit-id.js";

describe("isFullCommitId", () => {
  it("takes 40 (SHA-1) or 64 (SHA-256) lower-case hex digits, and nothing in between", () => {
    expect(isFullCommitId("a".repeat(40))).toBe(true);
    expect(isFullCommitId("0123456789abcdef".repeat(4))).toBe(true);
    // The old {40,64} took every length between; a 41-digit "id" names no object in any repository.
    for (let length = 41; length < 64; length++)
      expect([length, isFullCommitId("a".repeat(length))]).toEqual([length, false]);
    for (const wrong of [
      "a".repeat(39),
      "a".repeat(65),
      "A".repeat(40),
      `${"a".repeat(39)}g`,
      ` ${"a".repeat(40)}`,
      `${"a".repeat(40)}\n`,
    ])
      expect(isFullCommitId(wrong)).toBe(false);
    expect(isFullCommitId(null)).toBe(false);
    expect(isFullCommitId(40)).toBe(false);
  });
});
