import { describe, expect, it } from "vitest";
import { verifyToken } from "../../../../src/chat/mattermost/verify-token.js";

describe("verifyToken", () => {
  it("accepts the configured token", () => {
    expect(verifyToken("cuzrenun5z3jqip98q1zxoi65f", ["cuzrenun5z3jqip98q1zxoi65f"])).toBe(true);
  });

  it("accepts any token of the list (rotation)", () => {
    expect(verifyToken("new-token", ["old-token", "new-token"])).toBe(true);
    expect(verifyToken("old-token", ["old-token", "new-token"])).toBe(true);
  });

  it("refuses a wrong token, including prefixes, extensions and case changes", () => {
    const tokens = ["cuzrenun5z3jqip98q1zxoi65f"];
    for (const wrong of [
      "nope",
      "cuzrenun5z3jqip98q1zxoi65",
      "cuzrenun5z3jqip98q1zxoi65fx",
      "CUZRENUN5Z3JQIP98Q1ZXOI65F",
    ]) {
      expect(verifyToken(wrong, tokens)).toBe(false);
    }
  });

  it("refuses a missing token, and accepts nothing when no token is configured", () => {
    expect(verifyToken(null, ["t"])).toBe(false);
    expect(verifyToken(undefined, ["t"])).toBe(false);
    expect(verifyToken("", ["", "t"])).toBe(false);
    expect(verifyToken("t", [])).toBe(false);
  });
});
