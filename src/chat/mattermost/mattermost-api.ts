import type { SendOutcome } from "../../notify/ports.js";
import { classifyResponse } from "./webhook-transport.js";

/**
 * The few REST API v4 calls bot mode makes (CONTRACT §7), as plain functions over an injected
 * fetch. Each answers either the parsed body of a success or the SendOutcome the deliverer acts on
 * (same classification as the webhook: 429 pauses, 5xx retries, other 4xx are permanent). The bot
 * token goes in `Authorization: Bearer` and never into an error or log line.
 */

export interface ApiOptions {
  /** The server's base URL (SiteURL), without a trailing slash. */
  readonly url: string;
  readonly token: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
  readonly clock?: () => number;
}

export type ApiResult<T> =
  | { readonly ok: true; readonly body: T }
  | {
      readonly ok: false;
      readonly status: number | null;
      readonly outcome: Exclude<SendOutcome, { kind: "delivered" }>;
    };

export interface CreatePostBody {
  channel_id: string;
  message: string;
  root_id?: string;
  props?: Readonly<Record<string, unknown>>;
}

export interface PatchPostBody {
  message: string;
  /** Replaces ALL props (CONTRACT §7), so the buttons are always sent again. */
  props: Readonly<Record<string, unknown>>;
}

export interface ApiPost {
  readonly id: string;
  readonly channel_id: string;
}

export interface MattermostApi {
  createPost(body: CreatePostBody): Promise<ApiResult<ApiPost>>;
  patchPost(postId: string, body: PatchPostBody): Promise<ApiResult<ApiPost>>;
  channelByName(team: string, name: string): Promise<ApiResult<{ readonly id: string }>>;
  me(): Promise<ApiResult<{ readonly id: string; readonly username: string }>>;
  /** A user by id (`GET /api/v4/users/{id}`): who really clicked a button. */
  user(id: string): Promise<ApiResult<ApiUser>>;
  /** The direct channel of two users, made if it does not exist yet (`POST /api/v4/channels/direct`). */
  directChannel(userIds: readonly [string, string]): Promise<ApiResult<{ readonly id: string }>>;
}

export interface ApiUser {
  readonly id: string;
  readonly username: string;
  /** Non-zero once the account is deactivated. */
  readonly delete_at?: number;
}

/** Ids are 26 lower-case alphanumerics; anything else is refused before it becomes part of a URL. */
const ID = /^[a-z0-9]{26}$/;

export function createMattermostApi(options: ApiOptions): MattermostApi {
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? Date.now;

  async function call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    let response: Response;
    try {
      response = await doFetch(`${options.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      const why = timedOut
        ? `no answer within ${options.timeoutMs} ms`
        : `connection failed: ${String(error)}`;
      return { ok: false, status: null, outcome: { kind: "retryable", error: `${method} ${path}: ${why}` } };
    }
    const text = await response.text().catch(() => "");
    const outcome = classifyResponse(response.status, response.headers, text, clock());
    if (outcome.kind !== "delivered") {
      return {
        ok: false,
        status: response.status,
        outcome: { ...outcome, error: `${method} ${path}: ${outcome.error}` },
      };
    }
    try {
      return { ok: true, body: JSON.parse(text) as T };
    } catch {
      return {
        ok: false,
        status: response.status,
        outcome: { kind: "retryable", error: `${method} ${path}: answer is not JSON` },
      };
    }
  }

  return {
    createPost: (body) => call("POST", "/api/v4/posts", body),
    patchPost: (postId, body) =>
      ID.test(postId)
        ? call("PUT", `/api/v4/posts/${postId}/patch`, body)
        : Promise.resolve({
            ok: false,
            status: null,
            outcome: { kind: "permanent", error: `not a post id: ${JSON.stringify(postId.slice(0, 40))}` },
          }),
    channelByName: (team, name) =>
      call("GET", `/api/v4/teams/name/${encodeURIComponent(team)}/channels/name/${encodeURIComponent(name)}`),
    me: () => call("GET", "/api/v4/users/me"),
    user: (id) =>
      ID.test(id)
        ? call("GET", `/api/v4/users/${id}`)
        : Promise.resolve({
            ok: false,
            status: 404,
            outcome: { kind: "permanent", error: `not a user id: ${JSON.stringify(id.slice(0, 40))}` },
          }),
    directChannel: (userIds) =>
      userIds.every((id) => ID.test(id))
        ? call("POST", "/api/v4/channels/direct", userIds)
        : Promise.resolve({
            ok: false,
            status: null,
            outcome: { kind: "permanent", error: "not two user ids for a direct channel" },
          }),
  };
}
