import type { z } from "zod";
import { SlashbuildError } from "../../core/errors.js";
import {
  DEADLINES,
  deadlineMs,
  describeNetworkError,
  readRefused,
  rpcAnswer,
  SESSION_COOKIE,
  sessionCookie,
  unavailable,
  unconfirmedIfSent,
} from "./buildbot-answers.js";
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
 *   sets `TWISTED_SESSION`. Basic auth on the RPC call itself is not honoured. Reads carry the
 *   session too: the generated master refuses them (403) to anyone but slashbuild's user.
 * - Control calls are JSON-RPC 2.0 POSTs; failures come back as `{"error": {...}}`, with HTTP 200 or
 *   4xx. A lost session shows as an error saying "you need to have role ...": log in again, once.
 * - Every operation has one deadline shared by its calls (login + RPC), so a slash command is
 *   answered well within Mattermost's 3 s even when Buildbot hangs.
 * - A control request that went out and got no answer (deadline, reset) may still be acted on: a
 *   paused master reads it when it resumes. That is an UnconfirmedRequest, never "not available".
 */

export interface BuildbotClientOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly timeoutMs: number;
  /** Deadline for a new build's hand-over (force, change hook); defaults to timeoutMs. */
  readonly triggerTimeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export interface ForceResult {
  readonly buildsetId: number;
  /** builderid (as a string, as Buildbot keys it) → build request id. */
  readonly buildRequestIds: Readonly<Record<string, number>>;
}

export class BuildbotClient {
  readonly #url: string;
  readonly #basic: string;
  readonly #username: string;
  readonly #timeoutMs: number;
  readonly #triggerTimeoutMs: number;
  readonly #fetch: typeof fetch;
  #session: string | null = null;
  #rpcId = 0;

  constructor(options: BuildbotClientOptions) {
    this.#url = options.url.replace(/\/+$/, "");
    this.#username = options.username;
    this.#basic = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
    this.#timeoutMs = options.timeoutMs;
    this.#triggerTimeoutMs = options.triggerTimeoutMs ?? options.timeoutMs;
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

  /**
   * Runs a force scheduler; properties must be declared on it as parameters. Throws UnconfirmedRequest
   * when the call went out unanswered within the trigger deadline.
   */
  async force(scheduler: string, params: Readonly<Record<string, string>>): Promise<ForceResult> {
    const result = await this.#rpc(
      `/api/v2/forceschedulers/${encodeURIComponent(scheduler)}`,
      "force",
      params,
      this.#deadline(this.#triggerTimeoutMs),
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
    const signal = this.#deadline(this.#triggerTimeoutMs);
    let text: string;
    let response: Response;
    try {
      response = await this.#send("/change_hook/base", init, signal);
      text = await response.text();
    } catch (error) {
      throw unconfirmedIfSent(this.#url, error, signal);
    }
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

  /** The newest build requests, with one buildset property (finds a request no worker took yet). */
  async recentBuildRequests(limit: number, property: string): Promise<BbBuildRequest[]> {
    const query = `order=-buildrequestid&limit=${limit}&property=${encodeURIComponent(property)}`;
    return this.#get(`/api/v2/buildrequests?${query}`, "buildrequests", bbBuildRequestSchema);
  }

  async steps(buildid: number): Promise<BbStep[]> {
    return this.#get(`/api/v2/builds/${buildid}/steps`, "steps", bbStepSchema);
  }

  async logs(stepid: number): Promise<BbLog[]> {
    return this.#get(`/api/v2/steps/${stepid}/logs`, "logs", bbLogSchema);
  }

  async rawLog(logid: number): Promise<string> {
    const path = `/api/v2/logs/${logid}/raw`;
    const response = await this.#read(path);
    if (!response.ok) throw this.#refused(path, response);
    return response.text();
  }

  async #get<T extends z.ZodType>(path: string, key: string, schema: T): Promise<z.output<T>[]> {
    const response = await this.#read(path);
    if (response.status === 404) {
      await response.body?.cancel();
      return [];
    }
    if (!response.ok) throw this.#refused(path, response);
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

  /**
   * A GET as slashbuild's user. The generated master lets nobody else read (builds, steps, logs), so
   * reads carry the session like control calls do: log in first when there is none, and once more
   * if the master refuses it (a restarted master forgets its sessions).
   */
  async #read(path: string): Promise<Response> {
    const signal = this.#deadline();
    if (!this.#session) await this.login(signal);
    const response = await this.#send(path, { headers: this.#cookieHeader() }, signal);
    if (response.status !== 401 && response.status !== 403) return response;
    await response.body?.cancel();
    await this.login(signal);
    return this.#send(path, { headers: this.#cookieHeader() }, signal);
  }

  /**
   * A JSON-RPC control call, logging in first when needed and once more if the session was lost.
   * A failed login sent nothing that acts; a call that went out unanswered is an UnconfirmedRequest.
   */
  async #rpc(
    path: string,
    method: string,
    params: Readonly<Record<string, unknown>>,
    signal = this.#deadline(),
  ): Promise<unknown> {
    const once = () =>
      this.#rpcOnce(path, method, params, signal).catch((error: unknown) => {
        throw unconfirmedIfSent(this.#url, error, signal);
      });
    if (!this.#session) await this.login(signal);
    let answer = await once();
    if (answer.needsLogin) {
      await this.login(signal);
      answer = await once();
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
    return rpcAnswer(response.status, await response.text());
  }

  async #send(path: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
    try {
      return await this.#fetch(`${this.#url}${path}`, { ...init, signal });
    } catch (error) {
      const why = signal.aborted ? `no answer within ${deadlineMs(signal)} ms` : describeNetworkError(error);
      throw unavailable(this.#url, why, error);
    }
  }

  #refused(path: string, response: Response): SlashbuildError {
    void response.body?.cancel();
    return readRefused(this.#url, this.#username, path, response.status);
  }

  #cookieHeader(): Record<string, string> {
    return this.#session ? { cookie: `${SESSION_COOKIE}=${this.#session}` } : {};
  }

  #deadline(ms = this.#timeoutMs): AbortSignal {
    const signal = AbortSignal.timeout(ms);
    DEADLINES.set(signal, ms);
    return signal;
  }
}
