import { describe, expect, it } from "vitest";
import { safeEqual, TokenSigner } from "../../../../src/web/auth/signed-token.js";

describe("TokenSigner", () => {
  const signer = new TokenSigner("a".repeat(32));

  it("round-trips a payload for its purpose only", () => {
    const token = signer.sign("session", { u: "bob", n: "nonce" });
    expect(signer.verify("session", token)).toEqual({ u: "bob", n: "nonce" });
    expect(signer.verify("login", token)).toBeNull();
    expect(new TokenSigner("b".repeat(32)).verify("session", token)).toBeNull();
  });

  it("rejects tampered, truncated and junk tokens", () => {
    const token = signer.sign("session", { u: "bob" });
    const [body, mac] = token.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ u: "admin" })).toString("base64url");
    expect(signer.verify("session", `${forged}.${mac}`)).toBeNull();
    expect(signer.verify("session", `${body}.${mac.slice(1)}`)).toBeNull();
    expect(signer.verify("session", body)).toBeNull();
    expect(signer.verify("session", undefined)).toBeNull();
    expect(signer.verify("session", "x".repeat(5000))).toBeNull();
  });

  it("compares strings of any length safely", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});
