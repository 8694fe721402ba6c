import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Button clicks reach `/mattermost/action` with no credential at all: Mattermost sends no auth
 * header to an integration URL (CONTRACT §6), and anyone who can reach the URL can POST to it.
 * So every button's `context` carries an HMAC over what the click would do; a click whose
 * signature does not verify is refused before anything else looks at it.
 */

export type ActionName = "stop" | "rebuild" | "log";
export const ACTION_NAMES: readonly ActionName[] = ["stop", "rebuild", "log"];

/** What a button's `context` holds: Mattermost echoes it back verbatim on a click. */
export interface ActionContext {
  readonly action: ActionName;
  readonly build: number;
  readonly sig: string;
}

/** The signed text: versioned, so a later change of fields cannot be confused with this one. */
function signedText(action: ActionName, build: number): string {
  return `slashbuild-action:v1:${action}:${build}`;
}

export function signAction(secret: string, action: ActionName, build: number): ActionContext {
  const sig = createHmac("sha256", secret).update(signedText(action, build)).digest("base64url");
  return { action, build, sig };
}

/**
 * The action a context asks for when its signature verifies; null for anything forged, altered,
 * truncated or malformed. The comparison is constant-time over equal-length digests.
 */
export function verifyAction(secret: string, context: unknown): { action: ActionName; build: number } | null {
  if (typeof context !== "object" || context === null) return null;
  const { action, build, sig } = context as Record<string, unknown>;
  if (typeof action !== "string" || !(ACTION_NAMES as readonly string[]).includes(action)) return null;
  if (typeof build !== "number" || !Number.isSafeInteger(build) || build < 1) return null;
  if (typeof sig !== "string") return null;
  const expected = Buffer.from(signAction(secret, action as ActionName, build).sig, "base64url");
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length) return null;
  return timingSafeEqual(given, expected) ? { action: action as ActionName, build } : null;
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
