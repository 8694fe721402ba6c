import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { HeaderGetter, WebhookScheme } from "./forge-host.js";

/**
 * Webhook authentication, on the raw body before anything else reads it (forges CONTRACT §1).
 * Each host says what it presents and how it signs (its WebhookScheme); the comparison is here,
 * once for every host: constant-time over equal-length digests, so neither the secret's length
 * nor how much of it matched leaks through timing.
 */

function digest(value: string | Buffer): Buffer {
  return createHash("sha256").update(value).digest();
}

function equalConstantTime(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Lower-case hex HMAC-SHA256 of the body: what GitHub and Gitea sign with (each in its own header). */
export function hmacSha256Hex(secret: string, body: Buffer): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/**
 * Which of `secrets` signed this delivery: its index, or null when none did (or nothing was
 * presented). Every candidate is compared, matched or not.
 */
export function matchSecret(
  scheme: Pick<WebhookScheme, "presented" | "sign">,
  header: HeaderGetter,
  body: Buffer,
  secrets: readonly string[],
): number | null {
  const presented = scheme.presented(header);
  if (presented === null) return null;
  let found: number | null = null;
  secrets.forEach((secret, index) => {
    if (equalConstantTime(scheme.sign(secret, body), presented) && found === null) found = index;
  });
  return found;
}
