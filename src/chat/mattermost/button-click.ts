import { z } from "zod";
import { SlashbuildError } from "../../core/errors.js";

/**
 * What the two button receivers (action-route.ts for Stop/Rebuild, deploy-action-route.ts for
 * Approve/Reject) share: the click body's fields they read, and the refusals of a context that does
 * not verify.
 *
 * The fields of PostActionIntegrationRequest we use, typed. Mattermost adds fields over versions
 * (root_id, trigger_id, …), so the body is not strict; the context, which only we write, is
 * (action-signature.ts, deploy-action-signature.ts).
 */
const clickSchema = z.object({
  user_id: z.string().min(1),
  user_name: z.string().min(1),
  channel_id: z.string().min(1),
  channel_name: z.string().min(1),
  post_id: z.string().optional(),
  context: z.unknown(),
});

export type ButtonClick = z.infer<typeof clickSchema>;

/** The click's fields, or REQUEST_INVALID naming the ones needed. */
export function parseClick(body: unknown): ButtonClick {
  const click = clickSchema.safeParse(body);
  if (!click.success) {
    throw new SlashbuildError(
      "REQUEST_INVALID",
      "A button click names the user, channel and post (user_id, user_name, channel_id, channel_name, post_id) as strings.",
    );
  }
  return click.data;
}

/** Why a button's context was refused, as the answer the clicker sees; `expired` says what to do instead. */
export function clickRefusal(
  reason: "malformed" | "signature" | "expired",
  instead: string,
): SlashbuildError {
  switch (reason) {
    case "malformed":
      return new SlashbuildError(
        "ACTION_CONTEXT_INVALID",
        "This button's context is not one slashbuild writes (unknown or missing fields, wrong types); use a button from a current post.",
      );
    case "signature":
      return new SlashbuildError(
        "ACTION_SIGNATURE_INVALID",
        "This button's signature does not verify; it was not made by this slashbuild (or action_secret changed). Use a button from a current post.",
      );
    case "expired":
      return new SlashbuildError("ACTION_EXPIRED", `This button has expired ${instead}`);
  }
}
