import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { commandWebhook } from "./mattermost/command-webhook-route.js";
import {
  appError,
  type FakeHandler,
  type FakeResponse,
  newId,
  readBody,
  send,
  serviceUnavailable,
} from "./mattermost/fake-http.js";
import { incomingWebhook } from "./mattermost/incoming-webhook-route.js";
import type { CommandHook, IncomingHook, StoredPost } from "./mattermost/model.js";

// The routes live beside this file (test/fakes/mattermost/); these names stay importable from here.
export {
  appError,
  type FakeHandler,
  type FakeRequest,
  type FakeResponse,
  MAX_PAYLOAD_BYTES,
  newId,
} from "./mattermost/fake-http.js";
export { MAX_POST_RUNES, splitRunes } from "./mattermost/incoming-webhook-route.js";
export type { StoredPost } from "./mattermost/model.js";

/**
 * A fake Mattermost: a real HTTP server on 127.0.0.1:0 that answers as ../shared/mattermost/
 * CONTRACT.md describes (§4 incoming webhooks, §3 response_url), with switchable outages and a
 * rate limiter. Routes live in one table (`route()`); each route is its own module under
 * test/fakes/mattermost/ (incoming webhooks, command webhooks; REST v4 in fake-mattermost-rest.ts),
 * and this file keeps only the plumbing (body reading, outages, rate limiting).
 */

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number | "closed";
  readonly at: number;
  /** The request body as text (absent when the connection was closed before it was read). */
  readonly body?: string;
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

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: FakeHandler;
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
    const context = {
      hooks: this.#hooks,
      commandHooks: this.#commandHooks,
      channels: this.#channels,
      posts: this.posts,
      clock: this.#clock,
    };
    // Order matters only where patterns overlap; hook ids are alphanumeric so "commands/x" is not one.
    this.route("POST", /^\/hooks\/commands\/([A-Za-z0-9]+)$/, (request) => commandWebhook(context, request));
    this.route("POST", /^\/hooks\/([A-Za-z0-9]+)$/, (request) => incomingWebhook(context, request));
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
    const record = (
      status: number | "closed",
      responseHeaders: Readonly<Record<string, string>> = {},
      text?: string,
    ) =>
      this.requests.push({
        method: req.method ?? "",
        path: url.pathname,
        status,
        at,
        responseHeaders,
        ...(text === undefined ? {} : { body: text }),
      });

    if (this.outage === "close") {
      record("closed");
      req.socket.destroy();
      return;
    }
    const body = await readBody(req);
    // Left open until the client gives up or close() destroys the socket.
    if (this.outage === "hang") return;
    const response = this.outage === "503" ? serviceUnavailable() : await this.#limited(req, url, body);
    record(response.status, response.headers, body?.toString("utf8") ?? "");
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
}
