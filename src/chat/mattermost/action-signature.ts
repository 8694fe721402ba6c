import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * Button clicks reach `/mattermost/action` with no credential at all: Mattermost sends no auth
 * header to an integration URL (CONTRACT §6), and anyone who can reach the URL can POST to it.
 * So every button's `context` carries an HMAC over what the click would do and until when; a
 * click whose signature does not verify, or that comes after that time, is refused before
 * anything else looks at it. A captured context is thus worth at most `button_lifetime`.
 */

export type ActionName = "stop" | "rebuild" | "log";
export const ACTION_NAMES: readonly ActionName[] = ["stop", "rebuild", "log"];

/** Default of mattermost.button_lifetime. */
export const DEFAULT_BUTTON_LIFETIME_MS = 30 * 86_400_000;

/** What a button's `context` holds: Mattermost echoes it back verbatim on a click. */
export interface ActionContext {
  readonly action: ActionName;
  readonly build: number;
  /** Expiry, in whole seconds since the epoch (UTC). */
  readonly exp: number;
  readonly sig: string;
}

/**
 * The strict shape of a context: anything else (an unknown field, a string build number, a
 * v1 context without `exp`) is malformed, not merely unsigned, and answered 400.
 */
export const actionContextSchema = z
  .object({
    action: z.enum(["stop", "rebuild", "log"]),
    build: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    exp: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    // HMAC-SHA256 in base64url without padding is exactly 43 characters.
    sig: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .strict();

/** The signed text: versioned, so a v1 signature (no expiry) can never verify as v2. */
function signedText(action: ActionName, build: number, exp: number): string {
  return `slashbuild-action:v2:${action}:${build}:${exp}`;
}

function mac(secret: string, action: ActionName, build: number, exp: number): string {
  return createHmac("sha256", secret)
    .update(signedText(action, build, exp))
    .digest("base64url");
}

/** Signs `action` on `build`, valid until `now + lifetimeMs` (rounded up to a whole second). */
export function signAction(
  secret: string,
  action: ActionName,
  build: number,
  expiry: { now: number; lifetimeMs: number },
): ActionContext {
  const exp = Math.ceil((expiry.now + expiry.lifetimeMs) / 1000);
  return { action, build, exp, sig: mac(secret, action, build, exp) };
}

export type ActionCheck =
  | { readonly ok: true; readonly action: ActionName; readonly build: number }
  | { readonly ok: false; readonly reason: "malformed" | "signature" | "expired" };

/**
 * Decodes a context strictly, checks its signature (constant-time over equal-length digests)
 * and then its expiry against `now` (ms). The signature is checked first so that an expired
 * answer is only ever given for a context this slashbuild really made.
 */
export function verifyAction(secret: string, context: unknown, now: number): ActionCheck {
  const parsed = actionContextSchema.safeParse(context);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  const { action, build, exp, sig } = parsed.data;
  const expected = Buffer.from(mac(secret, action, build, exp), "base64url");
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "signature" };
  }
  if (now >= exp * 1000) return { ok: false, reason: "expired" };
  return { ok: true, action, build };
}

/**
 * The key when none is configured: derived from the first slash-command token, so buttons keep
 * working across restarts without another setting. Rotating that token invalidates old buttons;
 * set mattermost.action_secret to decouple the two.
 */
export function deriveActionSecret(explicit: string | null, tokens: readonly string[]): string {
  if (explicit) return explicit;
  const seed = tokens[0];
  if (!seed) throw new Error("no slash-command token to derive the action secret from");
  return createHmac("sha256", seed).update("slashbuild button signing key").digest("base64url");
}
