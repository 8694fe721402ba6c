import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../../../../src/web/auth/password-hash.js";

describe("password hashes", () => {
  it("are salted scrypt hashes that verify only the right password", async () => {
    const one = await hashPassword("correct horse");
    const two = await hashPassword("correct horse");
    expect(one).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(one).not.toBe(two);
    expect(one).not.toContain("correct");
    expect(await verifyPassword("correct horse", one)).toBe(true);
    expect(await verifyPassword("correct horse", two)).toBe(true);
    expect(await verifyPassword("correct hors", one)).toBe(false);
    expect(await verifyPassword("", one)).toBe(false);
  });

  it("refuses unknown users, malformed hashes and absurd costs", async () => {
    expect(await verifyPassword("anything", null)).toBe(false);
    expect(await verifyPassword("x", "plain-password")).toBe(false);
    expect(await verifyPassword("x", "scrypt$1073741824$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAA")).toBe(
      false,
    );
    await expect(hashPassword("")).rejects.toThrow(/empty/);
  });
});
