import type { z } from "zod";
import { SlashbuildError } from "../../core/errors.js";
import {
  type BbBuild,
  type BbBuildRequest,
  type BbLog,
  type BbStep,
  bbBuildRequestSchema,
  bbBuildSchema,
  bbLogSchema,
  bbStepSchema,
} from "./buildbot-types.js";

/**
 * Buildbot 3.7's REST API as slashbuild uses it. Protocol facts (seen on a real master, see
 * ../shared/buildbot/NOTES.md):
 * - Control calls (force, stop) need a session: `GET /auth/login` with HTTP Basic answers 302 and
 *   sets `TWISTED_SESSION`. Basic auth on the RPC call itself is not honoured.
 * - Control calls are JSON-RPC 2.0 POSTs; failures come back as `{"error": {...}}`, with HTTP 200 or
 *   4xx. A lost session shows as an error saying "you need to have role ...": log in again, once.
 * - Every operation has one deadline shared by its calls (login + RPC), so a slash command is
 *   answered well within Mattermost's 3 s even when Buildbot hangs.
 */

export interface BuildbotClientOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export interface ForceResult {
  readonly buildsetId: number;
  /** builderid (as a string, as Buildbot keys it) → build request id. */
  readonly buildRequestIds: Readonly<Record<string, number>>;
}

const SESSION_COOKIE = "TWISTED_SESSION";

export class BuildbotClient {
  readonly #url: string;
  readonly #basic: string;
  readonly #username: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  #session: string | null = null;
  #rpcId = 0;

  constructor(options: BuildbotClientOptions) {
    this.#url = options.url.replace(/\/+$/, "");
    this.#username = options.username;
    this.#basic = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
    this.#timeoutMs = options.timeoutMs;
    this.#fetch = options.fetch ?? fetch;
  }

  get url(): string {
    return this.#url;
  }

  /** Logs in and keeps the session cookie. Wrong credentials → BACKEND_UNAVAILABLE naming the fix. */
  async login(signal = this.#deadline()): Promise<void> {
    const response = await this.#send(
      "/auth/login",
      { headers: { authorization: this.#basic }, redirect: "manual" },
      signal,
    );
    await response.body?.cancel();
    const cookie = sessionCookie(response.headers.getSetCookie());
    if (response.status >= 400 || !cookie) {
      throw new SlashbuildError(
        "BACKEND_UNAVAILABLE",
        `Buildbot at ${this.#url} refused slashbuild's login as \`${this.#username}\` (HTTP ${response.status}). ` +
          "An admin should check buildbot.username and buildbot.password against the master's UserPasswordAuth.",
      );
    }
    this.#session = cookie;
  }

  /** Runs a force scheduler; properties must be declared on it as parameters. */
  async force(scheduler: string, params: Readonly<Record<string, string>>): Promise<ForceResult> {
    const result = await this.#rpc(
      `/api/v2/forceschedulers/${encodeURIComponent(scheduler)}`,
      "force",
      params,
    );
    if (
      !Array.isArray(result) ||
      typeof result[0] !== "number" ||
      typeof result[1] !== "object" ||
      !result[1]
    ) {
      throw unavailable(this.#url, `force scheduler ${scheduler} answered ${JSON.stringify(result)}`);
    }
    return { buildsetId: result[0], buildRequestIds: result[1] as Record<string, number> };
  }

  /** Reachability for /readyz: the REST root answers below 500 within the timeout. */
  async ping(): Promise<void> {
    const response = await this.#send("/api/v2", { method: "GET" }, this.#deadline());
    await response.body?.cancel();
    if (response.status >= 500) throw unavailable(this.#url, `HTTP ${response.status}`);
  }

  async stopBuild(buildid: number, reason: string): Promise<void> {
    await this.#rpc(`/api/v2/builds/${buildid}`, "stop", { reason });
  }

  /** Cancels a build request that no worker has picked up yet. */
  async cancelBuildRequest(brid: number, reason: string): Promise<void> {
    await this.#rpc(`/api/v2/buildrequests/${brid}`, "cancel", { reason });
  }

  /** The `base` change hook: form fields, `properties` as a JSON object string. Answers no build ids. */
  async postChange(fields: Readonly<Record<string, string>>): Promise<void> {
    const body = new URLSearchParams(fields);
    // The generated master protects the hook with slashbuild's credentials (change_hook_auth).
    const init = { method: "POST", body, headers: { authorization: this.#basic } };
    const response = await this.#send("/change_hook/base", init, this.#deadline());
    const text = await response.text();
    if (!response.ok)
      throw unavailable(this.#url, `change hook answered HTTP ${response.status}: ${text.slice(0, 200)}`);
  }

  async buildRequest(brid: number): Promise<BbBuildRequest | null> {
    const list = await this.#get(`/api/v2/buildrequests/${brid}`, "buildrequests", bbBuildRequestSchema);
    return list[0] ?? null;
  }

  /** Builds of a request, newest last (a retried request has several). */
  async buildsForRequest(brid: number): Promise<BbBuild[]> {
    const list = await this.#get(`/api/v2/builds?buildrequestid=${brid}&property=*`, "builds", bbBuildSchema);
    return list.sort((a, b) => a.buildid - b.buildid);
  }

  async build(buildid: number): Promise<BbBuild | null> {
    const list = await this.#get(`/api/v2/builds/${buildid}?property=*`, "builds", bbBuildSchema);
    return list[0] ?? null;
  }

  /** The newest builds on the master (for change-hook correlation, which returns no ids). */
  async recentBuilds(limit: number, property: string): Promise<BbBuild[]> {
    const query = `order=-buildid&limit=${limit}&property=${encodeURIComponent(property)}`;
    return this.#get(`/api/v2/builds?${query}`, "builds", bbBuildSchema);
  }

  async steps(buildid: number): Promise<BbStep[]> {
    return this.#get(`/api/v2/builds/${buildid}/steps`, "steps", bbStepSchema);
  }

  async logs(stepid: number): Promise<BbLog[]> {
    return this.#get(`/api/v2/steps/${stepid}/logs`, "logs", bbLogSchema);
  }

  async rawLog(logid: number): Promise<string> {
    const response = await this.#send(`/api/v2/logs/${logid}/raw`, {}, this.#deadline());
    if (!response.ok) throw unavailable(this.#url, `log ${logid} answered HTTP ${response.status}`);
    return response.text();
  }

  async #get<T extends z.ZodType>(path: string, key: string, schema: T): Promise<z.output<T>[]> {
    const response = await this.#send(path, { headers: this.#cookieHeader() }, this.#deadline());
    if (response.status === 404) {
      await response.body?.cancel();
      return [];
    }
    if (!response.ok) throw unavailable(this.#url, `GET ${path} answered HTTP ${response.status}`);
    const body = (await response.json()) as Record<string, unknown>;
    const items = body[key];
    if (!Array.isArray(items)) throw unavailable(this.#url, `GET ${path} answered without "${key}"`);
    return items.map((item) => {
      const parsed = schema.safeParse(item);
      if (!parsed.success)
        throw unavailable(this.#url, `GET ${path} answered an unexpected ${key} entry`, parsed.error);
      return parsed.data;
    });
  }

  /** A JSON-RPC control call, logging in first when needed and once more if the session was lost. */
  async #rpc(path: string, method: string, params: Readonly<Record<string, unknown>>): Promise<unknown> {
    const signal = this.#deadline();
    if (!this.#session) await this.login(signal);
    let answer = await this.#rpcOnce(path, method, params, signal);
    if (answer.needsLogin) {
      await this.login(signal);
      answer = await this.#rpcOnce(path, method, params, signal);
    }
    if (answer.error !== undefined) {
      const hint = answer.needsLogin
        ? ` slashbuild's user \`${this.#username}\` lacks the role to control builds: an admin should check c['www']['authz'] in master.cfg.`
        : "";
      throw new SlashbuildError(
        "BACKEND_UNAVAILABLE",
        `Buildbot at ${this.#url} refused ${method}: ${answer.error}.${hint}`,
      );
    }
    return answer.result;
  }

  async #rpcOnce(
    path: string,
    method: string,
    params: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
  ) {
    const body = JSON.stringify({ jsonrpc: "2.0", method, id: ++this.#rpcId, params });
    const headers = { "content-type": "application/json", ...this.#cookieHeader() };
    const response = await this.#send(path, { method: "POST", headers, body }, signal);
    const text = await response.text();
    const parsed = parseJson(text);
    if (parsed && "error" in parsed && parsed.error) {
      const error = parsed.error as { message?: unknown };
      const message = String(error.message ?? JSON.stringify(error));
      return { error: message, needsLogin: /need to have role|not authorized|unauthorized/i.test(message) };
    }
    if (!response.ok || !parsed) {
      const needsLogin = response.status === 401 || response.status === 403;
      return { error: `HTTP ${response.status} ${text.slice(0, 200)}`.trim(), needsLogin };
    }
    return { result: parsed.result, needsLogin: false };
  }

  async #send(path: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
    try {
      return await this.#fetch(`${this.#url}${path}`, { ...init, signal });
    } catch (error) {
      const why = signal.aborted ? `no answer within ${this.#timeoutMs} ms` : describeNetworkError(error);
      throw unavailable(this.#url, why, error);
    }
  }

  #cookieHeader(): Record<string, string> {
    return this.#session ? { cookie: `${SESSION_COOKIE}=${this.#session}` } : {};
  }

  #deadline(): AbortSignal {
    return AbortSignal.timeout(this.#timeoutMs);
  }
}

/** A JSON object, or null for anything else (a proxy's error page, an empty body). */
function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Buildbot sets the cookie twice on login (anonymous, then the user): the last one counts. */
function sessionCookie(setCookies: readonly string[]): string | null {
  let found: string | null = null;
  for (const header of setCookies) {
    const match = new RegExp(`^${SESSION_COOKIE}=([^;]+)`).exec(header.trim());
    if (match?.[1]) found = match[1];
  }
  return found;
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

function unavailable(url: string, why: string, cause?: unknown): SlashbuildError {
  return new SlashbuildError(
    "BACKEND_UNAVAILABLE",
    `Buildbot at ${url} is not available (${why}). Try again in a minute; if it persists, an admin should check the master.`,
    { cause },
  );
}
