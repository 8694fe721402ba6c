import type { MessageAttachment } from "@mattermost/types/message_attachments";
import { appError, type FakeRequest, type FakeResponse, isObject, newId, ok } from "./fake-http.js";
import type { IncomingHook, StoredPost } from "./model.js";

/** POST /hooks/:id, an incoming webhook (CONTRACT §4). */

/** MaxPostSize in runes (CONTRACT §4): longer webhook text is split into several posts. */
export const MAX_POST_RUNES = 16383;

export interface IncomingWebhookContext {
  readonly hooks: ReadonlyMap<string, IncomingHook>;
  /** Channels an override may name; null = any name exists. */
  readonly channels: ReadonlySet<string> | null;
  readonly posts: StoredPost[];
  readonly clock: () => number;
}

/** CONTRACT §4, checks in the server's order. */
export function incomingWebhook(ctx: IncomingWebhookContext, request: FakeRequest): FakeResponse {
  const hookId = request.params[0] ?? "";
  const mediaType = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const fail = (status: number, inner: string) =>
    webhookError(status, mediaType || "application/json", hookId, inner);

  if (request.body === null) {
    // Over MaximumPayloadSizeBytes: a form body gives 413, a JSON body is cut and fails to decode.
    return mediaType === "application/x-www-form-urlencoded"
      ? fail(413, "web.incoming_webhook.parse_form.app_error")
      : fail(400, "web.incoming_webhook.decode.app_error");
  }
  let payload: Record<string, unknown>;
  try {
    payload = decodeWebhookBody(mediaType, request.body);
  } catch {
    return fail(400, "web.incoming_webhook.decode.app_error");
  }
  const text = typeof payload.text === "string" ? payload.text : "";
  const attachments = Array.isArray(payload.attachments) ? (payload.attachments as MessageAttachment[]) : [];
  if (text === "" && attachments.length === 0) return fail(400, "web.incoming_webhook.text.app_error");
  const hook = ctx.hooks.get(hookId);
  if (!hook) return fail(400, "web.incoming_webhook.invalid.app_error");
  if (typeof payload.type === "string" && payload.type.startsWith("system_")) {
    return fail(400, "web.incoming_webhook.create_post.app_error");
  }
  const channel = resolveChannel(payload.channel, hook.channel);
  if (ctx.channels && !channel.startsWith("@") && !ctx.channels.has(channel)) {
    return fail(404, "web.incoming_webhook.channel.app_error");
  }
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(isObject(payload.props) ? payload.props : {})) {
    if (!["from_webhook", "override_username", "override_icon_url", "attachments"].includes(key))
      props[key] = value;
  }
  props.from_webhook = "true";
  props.webhook_display_name = hook.displayName;
  if (typeof payload.username === "string") props.override_username = payload.username;
  if (typeof payload.icon_url === "string") props.override_icon_url = payload.icon_url;

  const chunks = splitRunes(text, MAX_POST_RUNES);
  chunks.forEach((chunk, index) => {
    const last = index === chunks.length - 1;
    ctx.posts.push({
      id: newId(),
      channel,
      message: chunk,
      // Attachments ride on the last post of a split message.
      attachments: last ? attachments : [],
      props: last && attachments.length > 0 ? { ...props, attachments } : props,
      via: "incoming_webhook",
      ephemeral: false,
      hookId,
      at: ctx.clock(),
    });
  });
  return ok();
}

function decodeWebhookBody(mediaType: string, body: Buffer): Record<string, unknown> {
  // A form carries the JSON in its `payload` field; any other type (none included) is raw JSON.
  const json =
    mediaType === "application/x-www-form-urlencoded"
      ? (new URLSearchParams(body.toString("utf8")).get("payload") ?? "")
      : body.toString("utf8");
  const parsed: unknown = JSON.parse(json);
  if (!isObject(parsed)) throw new Error("not an object");
  return parsed;
}

function resolveChannel(override: unknown, hookChannel: string): string {
  if (typeof override !== "string" || override === "") return hookChannel;
  return override.startsWith("#") ? override.slice(1) : override;
}

/** Cuts by runes (code points), as Mattermost does, never inside a surrogate pair. */
export function splitRunes(text: string, max: number): string[] {
  const runes = Array.from(text);
  if (runes.length <= max) return [text];
  const chunks: string[] = [];
  for (let start = 0; start < runes.length; start += max)
    chunks.push(runes.slice(start, start + max).join(""));
  return chunks;
}

/** Since v10/11 the web layer re-wraps webhook errors; the cause is only in detailed_error. */
function webhookError(status: number, mediaType: string, hookId: string, inner: string): FakeResponse {
  return appError(
    status,
    "web.incoming_webhook.general.app_error",
    `Failed to handle the payload of media type ${mediaType} for incoming webhook ${hookId}.`,
    inner,
  );
}
