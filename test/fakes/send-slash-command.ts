import { randomBytes } from "node:crypto";

/**
 * Sends a slash command to an integration exactly as Mattermost does (CONTRACT §1) and reads the
 * answer the way Mattermost does (§1-2): only a 200 succeeds; the body is JSON only when the media
 * type is exactly application/json, otherwise it is the text.
 */

export interface SlashInvocation {
  /** The integration's Request URL (may already carry a query string). */
  readonly url: string;
  readonly token: string;
  readonly text: string;
  readonly method?: "POST" | "GET";
  readonly trigger?: string;
  readonly user?: { readonly id: string; readonly name: string };
  readonly channel?: { readonly id: string; readonly name: string };
  readonly team?: { readonly id: string; readonly domain: string };
  /** response_url to send; FakeMattermost.createCommandWebhook(channel) makes a working one. */
  readonly responseUrl?: string;
  /** Parallel lists, sent as repeated keys (user_mentions + user_mentions_ids). */
  readonly userMentions?: readonly { readonly name: string; readonly id: string }[];
  readonly channelMentions?: readonly { readonly name: string; readonly id: string }[];
  /** Overrides or additions to the form, e.g. to drop the token field: `{ token: undefined }`. */
  readonly fields?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Sent as `Authorization` instead of `Token <token>`; null sends none. */
  readonly authorization?: string | null;
  readonly fetch?: typeof fetch;
}

export type SlashOutcome =
  | {
      readonly ok: true;
      readonly status: 200;
      readonly contentType: string | null;
      /** Parsed CommandResponse (JSON) or `{ text: raw body }`. */
      readonly response: Record<string, unknown>;
      readonly rawBody: string;
    }
  | {
      readonly ok: false;
      readonly status: number | null;
      readonly contentType: string | null;
      /** What the webapp would show under the message box. */
      readonly error: string;
      readonly rawBody: string;
    };

export function slashForm(invocation: SlashInvocation): Record<string, string | string[]> {
  const user = invocation.user ?? { id: "sfogyr3xkxwnrek8pk3yr9oudo", name: "alice" };
  const channel = invocation.channel ?? { id: "1vrjnvgfygwwqc38hyf9sxmeco", name: "town-square" };
  const team = invocation.team ?? { id: "hbrpoig8f1cbfno6b9m80o2rak", domain: "acme" };
  const form: Record<string, string | string[]> = {
    channel_id: channel.id,
    channel_name: channel.name,
    command: (invocation.trigger ?? "/build").toLowerCase(),
    response_url:
      invocation.responseUrl ?? "https://chat.example.com/hooks/commands/6gt6mjxk87au5bhxtpdpff5e8i",
    root_id: "",
    team_domain: team.domain,
    team_id: team.id,
    text: invocation.text,
    token: invocation.token,
    trigger_id: randomBytes(48).toString("base64"),
    user_id: user.id,
    user_name: user.name,
  };
  if (invocation.userMentions?.length) {
    form.user_mentions = invocation.userMentions.map((m) => m.name);
    form.user_mentions_ids = invocation.userMentions.map((m) => m.id);
  }
  if (invocation.channelMentions?.length) {
    form.channel_mentions = invocation.channelMentions.map((m) => m.name);
    form.channel_mentions_ids = invocation.channelMentions.map((m) => m.id);
  }
  for (const [key, value] of Object.entries(invocation.fields ?? {})) {
    if (value === undefined) delete form[key];
    else form[key] = typeof value === "string" ? value : [...value];
  }
  return form;
}

/** Go's url.Values.Encode: keys sorted, QueryEscape (space → '+', only A-Za-z0-9-_.~ unescaped). */
export function encodeGoValues(values: Readonly<Record<string, string | readonly string[]>>): string {
  return Object.keys(values)
    .sort()
    .flatMap((key) => {
      const value = values[key] ?? [];
      return (typeof value === "string" ? [value] : value).map(
        (v) => `${goQueryEscape(key)}=${goQueryEscape(v)}`,
      );
    })
    .join("&");
}

function goQueryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

export async function sendSlashCommand(invocation: SlashInvocation): Promise<SlashOutcome> {
  const doFetch = invocation.fetch ?? fetch;
  const trigger = (invocation.trigger ?? "/build").toLowerCase().replace(/^\//, "");
  const encoded = encodeGoValues(slashForm(invocation));
  const method = invocation.method ?? "POST";
  const headers: Record<string, string> = { accept: "application/json", "user-agent": "Mattermost-Bot/1.1" };
  const authorization =
    invocation.authorization === undefined ? `Token ${invocation.token}` : invocation.authorization;
  if (authorization !== null) headers.authorization = authorization;
  let url = invocation.url;
  let body: string | undefined;
  if (method === "POST") {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = encoded;
  } else {
    // GET: no body, no Content-Type; params appended to any query already in the Request URL.
    url += (url.includes("?") ? "&" : "?") + encoded;
  }

  let response: Response;
  try {
    response = await doFetch(url, { method, headers, body, signal: AbortSignal.timeout(30_000) });
  } catch {
    return failed(null, null, "", `Command with a trigger of '${trigger}' failed.`);
  }
  const rawBody = await response.text();
  const contentType = response.headers.get("content-type");
  if (response.status !== 200) {
    const status = `${response.status} ${response.statusText}`.trim();
    return failed(
      response.status,
      contentType,
      rawBody,
      `Command with a trigger of '${trigger}' returned response ${status}.`,
    );
  }
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json")
    return { ok: true, status: 200, contentType, response: { text: rawBody }, rawBody };
  try {
    const parsed: unknown = JSON.parse(rawBody);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not an object");
    return { ok: true, status: 200, contentType, response: parsed as Record<string, unknown>, rawBody };
  } catch {
    // Includes an empty body sent as application/json.
    return failed(200, contentType, rawBody, `Command with a trigger of '${trigger}' failed.`);
  }
}

function failed(
  status: number | null,
  contentType: string | null,
  rawBody: string,
  error: string,
): SlashOutcome {
  return { ok: false, status, contentType, error, rawBody };
}
