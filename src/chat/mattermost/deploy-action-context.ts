import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * The Approve and Reject buttons of a deploy's post (issue 20). Like Stop and Rebuild
 * (action-signature.ts) a click arrives with no credential but its context, so the context is
 * signed with the same key; it names the deploy, the decision, and the *round*: how many decisions
 * the post had when it was drawn. Every decision re-draws the post with fresh buttons, so a click
 * captured before the last decision (and replayed as someone else: Mattermost does not sign the
 * clicker's id) names an old round and is refused (approval-rules.ts currentButton). A context
 * expires with the request, or with mattermost.button_lifetime if that comes first.
 */

export type DeployActionName = "approve" | "reject";

export interface DeployActionContext {
  readonly action: DeployActionName;
  readonly deploy: number;
  readonly round: number;
  /** Expiry, in whole seconds since the epoch (UTC). */
  readonly exp: number;
  readonly sig: string;
}

const contextSchema = z
  .object({
    action: z.enum(["approve", "reject"]),
    deploy: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    round: z.number().int().nonnegative().max(1000),
    exp: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    sig: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .strict();

/** Versioned and distinct from the build buttons' text, so neither kind can verify as the other. */
function mac(secret: string, action: DeployActionName, deploy: number, round: number, exp: number): string {
  return createHmac("sha256", secret)
    .update(`slashbuild-deploy-action:v1:${action}:${deploy}:${round}:${exp}`)
    .digest("base64url");
}

export function signDeployAction(
  secret: string,
  action: DeployActionName,
  deploy: number,
  round: number,
  expiresAt: number,
): DeployActionContext {
  const exp = Math.ceil(expiresAt / 1000);
  return { action, deploy, round, exp, sig: mac(secret, action, deploy, round, exp) };
}

type DeployActionCheck =
  | { readonly ok: true; readonly action: DeployActionName; readonly deploy: number; readonly round: number }
  | { readonly ok: false; readonly reason: "malformed" | "signature" | "expired" };

/** Strict shape, then the signature (constant time), then the expiry: as verifyAction does. */
export function verifyDeployAction(secret: string, context: unknown, now: number): DeployActionCheck {
  const parsed = contextSchema.safeParse(context);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  const { action, deploy, round, exp, sig } = parsed.data;
  const expected = Buffer.from(mac(secret, action, deploy, round, exp), "base64url");
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "signature" };
  if (now >= exp * 1000) return { ok: false, reason: "expired" };
  return { ok: true, action, deploy, round };
}
