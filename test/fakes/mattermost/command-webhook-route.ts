import type { MessageAttachment } from "@mattermost/types/message_attachments";
import { appError, type FakeRequest, type FakeResponse, newId, ok } from "./fake-http.js";
import type { CommandHook, StoredPost } from "./model.js";

/** POST /hooks/commands/:id, a slash command's response_url (CONTRACT §3). */

export const COMMAND_WEBHOOK_LIFETIME_MS = 30 * 60_000;
export const COMMAND_WEBHOOK_MAX_USES = 5;

export interface CommandWebhookContext {
  readonly commandHooks: ReadonlyMap<string, CommandHook>;
  readonly posts: StoredPost[];
  readonly clock: () => number;
}

/** CONTRACT §3: response_url, no auth, 5 uses within 30 minutes, ephemeral unless in_channel. */
export function commandWebhook(ctx: CommandWebhookContext, request: FakeRequest): FakeResponse {
  const id = request.params[0] ?? "";
  const hook = ctx.commandHooks.get(id);
  const outer = "web.command_webhook.general.app_error";
  const message = `Failed to handle command webhook ${id}.`;
  if (!hook || ctx.clock() - hook.createdAt > COMMAND_WEBHOOK_LIFETIME_MS) {
    return appError(404, outer, message, "app.command_webhook.get.missing");
  }
  hook.uses += 1;
  if (hook.uses > COMMAND_WEBHOOK_MAX_USES)
    return appError(400, outer, message, "app.command_webhook.try_use.invalid");
  const mediaType = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  const raw = request.body?.toString("utf8") ?? "";
  let response: Record<string, unknown>;
  if (mediaType === "application/json") {
    try {
      response = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return appError(400, outer, message, "web.command_webhook.parse.app_error");
    }
  } else {
    response = { text: raw };
  }
  const attachments = Array.isArray(response.attachments)
    ? (response.attachments as MessageAttachment[])
    : [];
  ctx.posts.push({
    id: newId(),
    channel: hook.channel,
    message: typeof response.text === "string" ? response.text : "",
    attachments,
    props: { from_webhook: "true", ...(attachments.length > 0 ? { attachments } : {}) },
    via: "command_webhook",
    ephemeral: response.response_type !== "in_channel",
    hookId: id,
    at: ctx.clock(),
  });
  return ok();
}
