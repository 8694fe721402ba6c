import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ApiToken } from "../../config/config.js";
import { SlashbuildError } from "../../core/errors.js";
import type { Clock } from "../../core/ports.js";
import { addressKey, LoginThrottle, type ThrottleKeying } from "../auth/login-throttle.js";

/**
 * Wrong tokens one address (an IPv6 /64) may send before it waits: 1 s, doubling, at most a minute.
 * Tokens are at least 32 characters, beyond guessing at any rate: the throttle is a second line, and
 * its short cap bounds what it costs scripts behind a shared proxy address when someone floods it.
 */
const WRONG_BEFORE_WAIT = 20;
const MAX_WAIT_MS = 60_000;

/** Counted per address only, never cleared by a success: a valid token of one's own resets nothing. */
const byAddress: ThrottleKeying = ({ address }) => [
  // LoginThrottle locks at the first failure past `free`: the 20th wrong token starts the wait.
  { key: `api:${addressKey(address)}`, free: WRONG_BEFORE_WAIT - 1, clearedBySuccess: false },
];

/** The throttle of wrong tokens (tests pass a clock, or another throttle to compare). */
export function apiTokenThrottle(clock?: Clock): LoginThrottle {
  return new LoginThrottle({ keying: byAddress, maxDelayMs: MAX_WAIT_MS, ...(clock ? { clock } : {}) });
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * The API's bearer tokens (config `api.tokens`). A presented token is hashed and compared with
 * every configured token's hash, all of them every time and each in constant time, so how long a
 * check takes says nothing about which token, or how much of one, was right (hashing first also
 * makes the lengths equal). The token itself is never logged, stored or echoed.
 */
export class ApiTokens {
  readonly #entries: readonly { readonly digest: Buffer; readonly token: ApiToken }[];

  constructor(tokens: readonly ApiToken[]) {
    this.#entries = tokens.map((token) => ({ digest: digest(token.token), token }));
  }

  match(presented: string): ApiToken | null {
    const given = digest(presented);
    let found: ApiToken | null = null;
    for (const entry of this.#entries) {
      if (timingSafeEqual(given, entry.digest) && found === null) found = entry.token;
    }
    return found;
  }
}

const clients = new WeakMap<FastifyRequest, ApiToken>();

/** The API token a request carried and that was accepted, or null (a browser session, or nobody). */
export function apiClientOf(request: FastifyRequest): ApiToken | null {
  return clients.get(request) ?? null;
}

/** `Authorization: Bearer <token>` (the scheme in any case, as RFC 7235 allows); null when it is not that. */
function bearerOf(header: string): string | null {
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * For every /api request that carries an Authorization header: a valid bearer token marks the
 * request as that token's (apiClientOf), anything else is 401 API_TOKEN_INVALID, and an address
 * that sent too many wrong tokens is refused (429) before its next one is even compared. Only the
 * header is read: a token in the URL would be kept by proxies, browser history and access logs.
 * Runs before the read gate, which lets a token's request through as it does a signed-in one.
 */
export function registerApiAuth(
  app: FastifyInstance,
  tokens: readonly ApiToken[],
  throttle: LoginThrottle = apiTokenThrottle(),
): void {
  const known = new ApiTokens(tokens);
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.url.startsWith("/api/")) return;
    const header = request.headers.authorization;
    if (header === undefined) return;
    const attempt = { address: request.ip, user: "", device: null };
    const wait = throttle.retryAfterMs(attempt);
    if (wait > 0) {
      reply.header("retry-after", String(Math.ceil(wait / 1000)));
      throw new SlashbuildError(
        "API_TOKEN_THROTTLED",
        `Too many wrong API tokens came from this address; try again in ${Math.ceil(wait / 1000)} s with a token from api.tokens.`,
      );
    }
    const presented = bearerOf(header);
    const token = presented === null ? null : known.match(presented);
    if (token === null) {
      throttle.failed(attempt);
      request.log.warn({ address: request.ip, path: request.routeOptions.url }, "API token refused");
      throw new SlashbuildError(
        "API_TOKEN_INVALID",
        presented === null
          ? "The API takes a token as Authorization: Bearer <token>; no other scheme is accepted."
          : "That API token is not one of api.tokens; check it, or ask an admin for one.",
      );
    }
    clients.set(request, token);
  });
}
