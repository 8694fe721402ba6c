import { describe, expect, it } from "vitest";
import { hmacSha256Hex, matchSecret } from "../../../src/forges/verify-signature.js";

/** A scheme as a host declares one: what it presents, and how it signs. */
const scheme = {
  presented: (header: (name: string) => string | undefined) => header("x-sig") || null,
  sign: hmacSha256Hex,
};
const body = Buffer.from('{"a":1}');

describe("matchSecret", () => {
  it("names the secret that signed, among several, on the raw bytes", () => {
    const sig = hmacSha256Hex("second-secret", body);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(
      matchSecret(scheme, (n) => (n === "x-sig" ? sig : undefined), body, ["first", "second-secret"]),
    ).toBe(1);
    expect(
      matchSecret(scheme, (n) => (n === "x-sig" ? sig : undefined), Buffer.from('{"a":2}'), [
        "second-secret",
      ]),
    ).toBeNull();
  });

  it("nothing presented, or no secret configured: no match", () => {
    expect(matchSecret(scheme, () => undefined, body, ["second-secret"])).toBeNull();
    expect(matchSecret(scheme, () => "", body, ["second-secret"])).toBeNull();
    expect(matchSecret(scheme, () => hmacSha256Hex("s", body), body, [])).toBeNull();
  });

  it("asks the host to sign with every candidate, also after a match (no early exit)", () => {
    const signed: string[] = [];
    const counting = {
      ...scheme,
      sign: (secret: string, b: Buffer) => {
        signed.push(secret);
        return hmacSha256Hex(secret, b);
      },
    };
    const sig = hmacSha256Hex("a", body);
    expect(matchSecret(counting, () => sig, body, ["a", "b", "c"])).toBe(0);
    expect(signed).toEqual(["a", "b", "c"]);
  });
});
