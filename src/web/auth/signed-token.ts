import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * HMAC-SHA256 signed, base64url JSON tokens for cookies: the server keeps no session table, and a
 * client cannot forge or alter a token without the secret. Verification is constant-time.
 */
export class TokenSigner {
  readonly #secret: string;

  constructor(secret: string) {
    this.#secret = secret;
  }

  mac(purpose: string, value: string): string {
    return createHmac("sha256", this.#secret).update(`${purpose}\0${value}`).digest("base64url");
  }

  sign(purpose: string, payload: Readonly<Record<string, unknown>>): string {
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${this.mac(purpose, body)}`;
  }

  /** The payload of a valid token for `purpose`, or null (tampered, malformed, other purpose). */
  verify(purpose: string, token: string | undefined): Record<string, unknown> | null {
    if (!token || token.length > 4096) return null;
    const dot = token.indexOf(".");
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    if (!safeEqual(token.slice(dot + 1), this.mac(purpose, body))) return null;
    try {
      const payload: unknown = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
      return payload && typeof payload === "object" && !Array.isArray(payload)
        ? (payload as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  }
}

/** Constant-time string comparison (lengths may differ: compared as digests of equal length). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    // Still spend the comparison, so a length mismatch is not faster to learn than a content one.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
