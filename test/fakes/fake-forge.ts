import { createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A Git host on loopback, faithful to ../shared/forges/CONTRACT.md where slashbuild meets it:
 * it signs and sends webhooks the way each host does (§1), and takes commit statuses at each
 * host's API path (§4), recording every call. It can be told to fail: answer 500, or 403/429 with
 * rate-limit headers, for the next N status calls, or to be down (refuse connections) for a while.
 * A test's own host (the fourth-host test) brings its status route.
 */

/** The hosts whose wire this fake speaks as written from their documentation. */
export type ForgeKind = "github" | "gitea" | "gitlab";

/** Where a host takes commit statuses: its API base path, the status path (repo, sha) and auth header. */
export interface StatusRoute {
  readonly kind: string;
  readonly apiBase: string;
  readonly pattern: RegExp;
  readonly authHeader: string;
}

export const HOST_ROUTES: readonly StatusRoute[] = [
  {
    kind: "gitea",
    apiBase: "/api/v1",
    pattern: /^\/api\/v1\/repos\/([^/]+\/[^/]+)\/statuses\/([0-9a-f]+)$/,
    authHeader: "authorization",
  },
  {
    kind: "gitlab",
    apiBase: "/api/v4",
    pattern: /^\/api\/v4\/projects\/([^/]+)\/statuses\/([0-9a-f]+)$/,
    authHeader: "private-token",
  },
  {
    kind: "github",
    apiBase: "",
    pattern: /^\/repos\/([^/]+\/[^/]+)\/statuses\/([0-9a-f]+)$/,
    authHeader: "authorization",
  },
];

export interface StatusCall {
  readonly kind: string;
  /** owner/name, or GitLab's decoded project path. */
  readonly repo: string;
  readonly sha: string;
  readonly auth: string | null;
  readonly body: Record<string, string>;
  /** What the fake answered. */
  readonly answered: number;
}

export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export class FakeForge {
  readonly calls: StatusCall[] = [];
  /** Answers used, in order, before the fake goes back to 201. */
  readonly script: ScriptedAnswer[] = [];
  /** "503": every status call gets 503; "close": the connection is cut; "hang": no answer ever. */
  outage: "none" | "503" | "close" | "hang" = "none";
  /** Repos the host knows (others: 404, as for a repo the token cannot see); null = any. */
  knownRepos: ReadonlySet<string> | null = null;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #down = false;
  #url = "";

  readonly #routes: readonly StatusRoute[];

  private constructor(routes: readonly StatusRoute[]) {
    this.#routes = routes;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
    this.#server.on("connection", (socket) => {
      // "Down": the connection is cut before any answer, as when the host is unreachable.
      if (this.#down) {
        socket.destroy();
        return;
      }
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  static async start(routes: readonly StatusRoute[] = HOST_ROUTES): Promise<FakeForge> {
    const fake = new FakeForge(routes);
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    fake.#url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  get url(): string {
    return this.#url;
  }

  /** API base for the config's forges.<kind>.api_url. */
  apiUrl(kind: string): string {
    const route = this.#routes.find((r) => r.kind === kind);
    if (!route) throw new Error(`this fake takes no statuses for ${kind}`);
    return `${this.#url}${route.apiBase}`;
  }

  setDown(down: boolean): void {
    this.#down = down;
    if (down) for (const socket of this.#sockets) socket.destroy();
  }

  /** Statuses the fake accepted (2xx), in arrival order. */
  accepted(): StatusCall[] {
    return this.calls.filter((call) => call.answered >= 200 && call.answered < 300);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", this.#url);
    const route = this.#routes
      .map((r) => ({ route: r, match: r.pattern.exec(url.pathname) }))
      .find((r) => r.match);
    if (req.method !== "POST" || !route?.match) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not Found"}');
      return;
    }
    const sent = req.headers[route.route.authHeader];
    const auth = (Array.isArray(sent) ? sent[0] : sent) ?? null;
    if (this.outage === "close") {
      req.socket.destroy();
      return;
    }
    if (this.outage === "hang") return;
    const repo = decodeURIComponent(route.match[1] ?? "");
    const unknown = this.knownRepos !== null && !this.knownRepos.has(repo);
    const answer: ScriptedAnswer =
      this.outage === "503"
        ? { status: 503, body: '{"message":"Service Unavailable"}' }
        : unknown
          ? { status: 404, body: '{"message":"Not Found"}' }
          : (this.script.shift() ?? { status: 201, body: '{"id":1}' });
    this.calls.push({
      kind: route.route.kind,
      repo,
      sha: route.match[2] ?? "",
      auth,
      body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, string>,
      answered: answer.status,
    });
    res
      .writeHead(answer.status, { "content-type": "application/json", ...answer.headers })
      .end(answer.body ?? "{}");
  }
}

/**
 * Headers a host sends with a webhook: event name, delivery id and its signature of exactly `body`.
 * Each delivery gets a fresh id unless `delivery` is given (a redelivery repeats the same one).
 */
export function webhookHeaders(
  kind: ForgeKind,
  event: string,
  body: string,
  secret: string | null,
  delivery: string = randomUUID(),
): Record<string, string> {
  const hmac = secret === null ? "" : createHmac("sha256", secret).update(body).digest("hex");
  if (kind === "github") {
    return {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/fake",
      "x-github-event": event,
      "x-github-delivery": delivery,
      ...(secret === null ? {} : { "x-hub-signature-256": `sha256=${hmac}` }),
    };
  }
  if (kind === "gitea") {
    // Gitea sends all three families, and the signature headers even without a secret (empty).
    return {
      "content-type": "application/json",
      "x-gitea-event": event,
      "x-gogs-event": event,
      "x-github-event": event,
      "x-gitea-delivery": delivery,
      "x-gitea-signature": hmac,
      "x-gogs-signature": hmac,
      "x-hub-signature-256": secret === null ? "" : `sha256=${hmac}`,
    };
  }
  return {
    "content-type": "application/json",
    "user-agent": "GitLab/fake",
    "x-gitlab-event": event,
    "x-gitlab-event-uuid": delivery,
    // GitLab 17.4+: the same across retries and resends of one event.
    "idempotency-key": delivery,
    ...(secret === null ? {} : { "x-gitlab-token": secret }),
  };
}

export interface SendOptions {
  /** The delivery id (default: a fresh one); the same id again is a redelivery. */
  readonly delivery?: string;
  /** Headers to add, or (null) to leave out, e.g. a host too old to send a delivery id. */
  readonly headers?: Readonly<Record<string, string | null>>;
}

/** POSTs a signed webhook to `url` as the host would; returns the status and JSON answer. */
export async function sendWebhook(
  url: string,
  kind: ForgeKind,
  event: string,
  payload: unknown,
  secret: string | null,
  options: SendOptions = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = webhookHeaders(kind, event, body, secret, options.delivery);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  const response = await fetch(url, { method: "POST", headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
