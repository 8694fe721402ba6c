import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Constant-time check of a slash-command token against every configured one (a list, so a token
 * can be rotated without downtime). Comparing SHA-256 digests gives equal lengths, so neither the
 * comparison nor a length check leaks how much of a token matched; every token is always compared.
 */
export function verifyToken(candidate: string | null | undefined, tokens: readonly string[]): boolean {
  if (!candidate) return false;
  const digest = sha256(candidate);
  let ok = false;
  for (const token of tokens) {
    if (token.length === 0) continue;
    // Non-short-circuiting on purpose: the time taken must not depend on which token matched.
    ok = timingSafeEqual(digest, sha256(token)) || ok;
  }
  return ok;
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
