import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { ForgeKind } from "../core/triggers/trigger.js";

/**
 * Webhook authentication, on the raw body before anything else reads it (forges CONTRACT §1).
 * GitHub: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(secret, body).
 * Gitea/Forgejo: X-Gitea-Signature (or X-Forgejo-Signature) = bare hex of the same HMAC.
 * GitLab: X-Gitlab-Token = the secret itself.
 * Every comparison is constant-time over equal-length digests, so neither the secret's length nor
 * how much of it matched leaks through timing.
 */

export type HeaderGetter = (name: string) => string | undefined;

function digest(value: string | Buffer): Buffer {
  return createHash("sha256").update(value).digest();
}

function equalConstantTime(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The signature the host sent, normalised to what computeSignature returns; null when absent. */
export function presentedSignature(kind: ForgeKind, header: HeaderGetter): string | null {
  if (kind === "github") {
    const value = header("x-hub-signature-256");
    return value?.startsWith("sha256=") ? value.slice("sha256=".length).toLowerCase() : null;
  }
  if (kind === "gitea") {
    // Gitea sends the headers even without a secret, but empty: that is no signature.
    const value = header("x-gitea-signature") || header("x-forgejo-signature");
    return value ? value.toLowerCase() : null;
  }
  return header("x-gitlab-token") || null;
}

export function computeSignature(kind: ForgeKind, secret: string, body: Buffer): string {
  if (kind === "gitlab") return secret;
  return createHmac("sha256", secret).update(body).digest("hex");
}

/**
 * Which of `secrets` signed this delivery: its index, or null when none did (or nothing was
 * presented). Every candidate is compared, matched or not.
 */
export function matchSecret(
  kind: ForgeKind,
  header: HeaderGetter,
  body: Buffer,
  secrets: readonly string[],
): number | null {
  const presented = presentedSignature(kind, header);
  if (presented === null) return null;
  let found: number | null = null;
  secrets.forEach((secret, index) => {
    if (equalConstantTime(computeSignature(kind, secret, body), presented) && found === null) found = index;
  });
  return found;
}
