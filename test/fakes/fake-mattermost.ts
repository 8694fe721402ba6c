import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { MessageAttachment } from "@mattermost/types/message_attachments";

/**
 * A fake Mattermost: a real HTTP server on 127.0.0.1:0 that answers as ../shared/mattermost/
 * CONTRACT.md describes (§4 incoming webhooks, §3 response_url), with switchable outages and a
 * rate limiter. Routes live in one table (`route()`), so REST v4 posts/patch and action posts can be
 * added beside the hooks without touching the plumbing (body reading, outages, rate limiting).
 */

/** MaxPostSize in runes (CONTRACT §4): longer webhook text is split into several posts. */
export const MAX_POST_RUNES = 16383;
/** MaximumPayloadSizeBytes default plus the 512 bytes of slack the server adds. */
export const MAX_PAYLOAD_BYTES = 300_000 + 512;
const COMMAND_WEBHOOK_LIFETIME_MS = 30 * 60_000;
const COMMAND_WEBHOOK_MAX_USES = 5;

export interface StoredPost {
  readonly id: string;
  /** Channel as addressed: the hook's channel, or the override (`name` or `@user`). */
  readonly channel: string;
  readonly message: string;
  readonly attachments: readonly MessageAttachment[];
  readonly props: Readonly<Record<string, unknown>>;
  readonly via: "incoming_webhook" | "command_webhook";
  /** Only command_webhook posts can be ephemeral (the default there). */
  readonly ephemeral: boolean;
  readonly hookId: string;
  readonly at: number;
}

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number | "closed";
  readonly at: number;
  /** Headers of our answer (e.g. retry-after on a 429). */
  readonly responseHeaders: Readonly<Record<string, string>>;
}

/**
 * "close": connections are destroyed on arrival (like a crashed server); "503": a proxy's error page;
 * "hang": the request is read and never answered (a stuck server: the client's timeout decides).
 */
export type Outage = "none" | "close" | "503" | "hang";

export interface RateLimit {
  readonly perSec: number;
  readonly maxBurst: number;
}

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  /** null when the body exceeded MAX_PAYLOAD_BYTES (it was read and dropped). */
  readonly body: Buffer | null;
  /** Capture groups of the route pattern. */
  readonly params: readonly string[];
}

export interface FakeResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Objects are sent as application/json; strings as text/plain unless a content-type is given. */
  readonly body: string | object;
}

export type FakeHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: FakeHandler;
}

interface IncomingHook {
  readonly id: string;
  readonly channel: string;
  readonly displayName: string;
}

interface CommandHook {
  readonly id: string;
  readonly channel: string;
  readonly createdAt: number;
  uses: number;
}

export interface FakeMattermostOptions {
  /** Time source for posts, request records, the rate limiter and response_url expiry. */
  readonly clock?: () => number;
  /** Channels an override may name; absent = any name exists. */
  readonly channels?: readonly string[];
}

export class FakeMattermost {
  readonly posts: StoredPost[] = [];
  readonly requests: ReceivedRequest[] = [];
  outage: Outage = "none";
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #routes: Route[] = [];
  readonly #hooks = new Map<string, IncomingHook>();
  readonly #commandHooks = new Map<string, CommandHook>();
  readonly #clock: () => number;
  readonly #channels: ReadonlySet<string> | null;
  #rateLimit: RateLimit | null = null;
  #bucket = { tokens: 0, at: 0 };
  #url = "";

  private constructor(options: FakeMattermostOptions) {
    this.#clock = options.clock ?? Date.now;
    this.#channels = options.channels ? new Set(options.channels) : null;
    this.#server = createServer((req, res) => {
      this.#dispatch(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
      });
    });
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    // Order matters only where patterns overlap; hook ids are alphanumeric so "commands/x" is not one.
    this.route("POST", /^\/hooks\/commands\/([A-Za-z0-9]+)$/, (request) => this.#commandWebhook(request));
    this.route("POST", /^\/hooks\/([A-Za-z0-9]+)$/, (request) => this.#incomingWebhook(request));
  }

  static async start(options: FakeMattermostOptions = {}): Promise<FakeMattermost> {
    const fake = new FakeMattermost(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    const { port } = fake.#server.address() as AddressInfo;
    fake.#url = `http://127.0.0.1:${port}`;
    return fake;
  }

  /** The SiteURL, e.g. http://127.0.0.1:41234. */
  get url(): string {
    return this.#url;
  }

  /** Adds a route; later additions (REST v4, actions) go through outages and rate limiting too. */
  route(method: string, pattern: RegExp, handler: FakeHandler): void {
    this.#routes.push({ method, pattern, handler });
  }

  /** Creates an incoming webhook posting to `channel`; returns its URL. */
  addIncomingWebhook(channel = "town-square", displayName = "slashbuild"): string {
    const id = newId();
    this.#hooks.set(id, { id, channel, displayName });
    return `${this.#url}/hooks/${id}`;
  }

  /** What Mattermost does per slash invocation: a response_url usable 5 times within 30 minutes. */
  createCommandWebhook(channel: string): string {
    const id = newId();
    this.#commandHooks.set(id, { id, channel, createdAt: this.#clock(), uses: 0 });
    return `${this.#url}/hooks/commands/${id}`;
  }

  /** Like RateLimitSettings (GCRA); modelled as a token bucket of maxBurst+1 refilled perSec. null = off. */
  setRateLimit(limit: RateLimit | null): void {
    this.#rateLimit = limit;
    this.#bucket = { tokens: limit ? limit.maxBurst + 1 : 0, at: this.#clock() };
  }

  postsIn(channel: string): StoredPost[] {
    return this.posts.filter((post) => post.channel === channel);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const at = this.#clock();
    const record = (status: number | "closed", responseHeaders: Readonly<Record<string, string>> = {}) =>
      this.requests.push({ method: req.method ?? "", path: url.pathname, status, at, responseHeaders });

    if (this.outage === "close") {
      record("closed");
      req.socket.destroy();
      return;
    }
    const body = await readBody(req);
    // Left open until the client gives up or close() destroys the socket.
    if (this.outage === "hang") return;
    const response = this.outage === "503" ? serviceUnavailable() : await this.#limited(req, url, body);
    record(response.status, response.headers);
    send(res, response);
  }

  async #limited(req: IncomingMessage, url: URL, body: Buffer | null): Promise<FakeResponse> {
    // The limiter wraps the whole handler, /hooks/ included (CONTRACT §4 "Rate limiting").
    const limit = this.#takeToken();
    if (limit && !limit.allowed) {
      return {
        status: 429,
        headers: {
          ...limit.headers,
          "content-type": "text/plain; charset=utf-8",
          "retry-after": String(limit.retryAfter),
        },
        body: "limit exceeded\n",
      };
    }
    const response = await this.#route(req, url, body);
    return limit ? { ...response, headers: { ...limit.headers, ...response.headers } } : response;
  }

  async #route(req: IncomingMessage, url: URL, body: Buffer | null): Promise<FakeResponse> {
    for (const route of this.#routes) {
      const match = route.pattern.exec(url.pathname);
      if (!match || route.method !== req.method) continue;
      return route.handler({
        method: req.method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        params: match.slice(1),
      });
    }
    return appError(404, "api.context.404.app_error", "Sorry, we could not find the page.");
  }

  #takeToken(): { allowed: boolean; retryAfter: number; headers: Record<string, string> } | null {
    const limit = this.#rateLimit;
    if (!limit) return null;
    const capacity = limit.maxBurst + 1;
    const now = this.#clock();
    const bucket = this.#bucket;
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSec);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    const retryAfter = allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSec));
    return {
      allowed,
      retryAfter,
      headers: {
        "x-ratelimit-limit": String(capacity),
        "x-ratelimit-remaining": String(Math.floor(bucket.tokens)),
        "x-ratelimit-reset": String(Math.ceil((capacity - bucket.tokens) / limit.perSec)),
      },
    };
  }

  /** CONTRACT §4, checks in the server's order. */
  #incomingWebhook(request: FakeRequest): FakeResponse {
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
    const attachments = Array.isArray(payload.attachments)
      ? (payload.attachments as MessageAttachment[])
      : [];
    if (text === "" && attachments.length === 0) return fail(400, "web.incoming_webhook.text.app_error");
    const hook = this.#hooks.get(hookId);
    if (!hook) return fail(400, "web.incoming_webhook.invalid.app_error");
    if (typeof payload.type === "string" && payload.type.startsWith("system_")) {
      return fail(400, "web.incoming_webhook.create_post.app_error");
    }
    const channel = resolveChannel(payload.channel, hook.channel);
    if (this.#channels && !channel.startsWith("@") && !this.#channels.has(channel)) {
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
      this.posts.push({
        id: newId(),
        channel,
        message: chunk,
        // Attachments ride on the last post of a split message.
        attachments: last ? attachments : [],
        props: last && attachments.length > 0 ? { ...props, attachments } : props,
        via: "incoming_webhook",
        ephemeral: false,
        hookId,
        at: this.#clock(),
      });
    });
    return ok();
  }

  /** CONTRACT §3: response_url, no auth, 5 uses within 30 minutes, ephemeral unless in_channel. */
  #commandWebhook(request: FakeRequest): FakeResponse {
    const id = request.params[0] ?? "";
    const hook = this.#commandHooks.get(id);
    const outer = "web.command_webhook.general.app_error";
    const message = `Failed to handle command webhook ${id}.`;
    if (!hook || this.#clock() - hook.createdAt > COMMAND_WEBHOOK_LIFETIME_MS) {
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
    this.posts.push({
      id: newId(),
      channel: hook.channel,
      message: typeof response.text === "string" ? response.text : "",
      attachments,
      props: { from_webhook: "true", ...(attachments.length > 0 ? { attachments } : {}) },
      via: "command_webhook",
      ephemeral: response.response_type !== "in_channel",
      hookId: id,
      at: this.#clock(),
    });
    return ok();
  }
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

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Keep draining past the cap so the client sees our answer, not a reset.
    if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_PAYLOAD_BYTES ? null : Buffer.concat(chunks);
}

function send(res: ServerResponse, response: FakeResponse): void {
  const isText = typeof response.body === "string";
  const body = isText ? (response.body as string) : JSON.stringify(response.body);
  const headers: Record<string, string> = {
    "content-type": isText ? "text/plain" : "application/json",
    ...response.headers,
  };
  res.writeHead(response.status, headers).end(body);
}

function ok(): FakeResponse {
  return { status: 200, body: "ok" };
}

function serviceUnavailable(): FakeResponse {
  return {
    status: 503,
    headers: { "content-type": "text/html" },
    body: "<html><body>503 Service Unavailable</body></html>",
  };
}

/** The AppError JSON shape; detailed_error carries the inner id as with EnableDeveloper=true. */
export function appError(status: number, id: string, message: string, detailed = ""): FakeResponse {
  return {
    status,
    body: { id, message, detailed_error: detailed, request_id: newId(), status_code: status },
  };
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Mattermost ids: 26 lower-case base32 characters. */
export function newId(): string {
  const alphabet = "abcdefghijkmnopqrstuwxyz13456789";
  return Array.from(randomBytes(26), (byte) => alphabet[byte % alphabet.length]).join("");
}
