import { createHash, randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { WebConfig } from "../../config/config.js";
import type { Clock } from "../../core/ports.js";
import type { WebSession, WebSessionStore } from "../../core/web-sessions.js";
import { authCookie } from "./auth-cookie.js";
import { requestCookies } from "./request-cookies.js";

const SESSION_COOKIE = "sb_session";

/** Who a session belongs to: a local web user, or a Mattermost user signed in through OAuth. */
export interface SessionIdentity {
  readonly id: string;
  readonly name: string;
  readonly via: "password" | "mattermost";
}

/** The request's session as the routes need it: who, and the nonce its CSRF token is made from. */
export interface CurrentSession {
  readonly user: string;
  readonly id: string;
  readonly nonce: string;
}

/** What the store keeps instead of a secret: a cookie's id, or a password hash's fingerprint. */
export function fingerprint(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

/**
 * Sessions kept server-side (issue 8), the cookie holding only a random id. A user removed from
 * the config is signed out at their next request.
 */
export class SessionCookies {
  readonly #config: WebConfig;
  readonly #clock: Clock;
  readonly #store: WebSessionStore;

  constructor(config: WebConfig, clock: Clock, store: WebSessionStore) {
    this.#config = config;
    this.#clock = clock;
    this.#store = store;
  }

  /**
   * A fresh id and nonce each time: a cookie planted before (session fixation) is worth nothing.
   * A password session remembers a fingerprint of the hash it was made with, so a changed
   * password ends it. Returns the Set-Cookie value.
   */
  start(identity: SessionIdentity, credential: string | null): string {
    const now = this.#clock();
    this.#store.prune(now);
    const id = randomBytes(32).toString("base64url");
    this.#store.create({
      idHash: fingerprint(id),
      user: identity.name,
      userId: identity.id,
      kind: identity.via,
      credential,
      nonce: randomBytes(16).toString("base64url"),
      createdAt: now,
      expiresAt: now + this.#config.sessionTtlMs,
    });
    return authCookie(SESSION_COOKIE, id, this.#config.sessionTtlMs, this.#config.secureCookies);
  }

  /** The request's session, or null (none, expired, or no longer valid: then it is deleted). */
  current(request: FastifyRequest): CurrentSession | null {
    const id = requestCookies(request).get(SESSION_COOKIE);
    if (!id || id.length > 100) return null;
    const session = this.#store.find(fingerprint(id));
    if (!session) return null;
    if (session.expiresAt <= this.#clock() || !this.#stillValid(session)) {
      this.#store.delete(session.idHash);
      return null;
    }
    return { user: session.user, id: session.userId, nonce: session.nonce };
  }

  /** Ends the request's session on the server (a replayed cookie is worth nothing) and clears it. */
  end(request: FastifyRequest): string {
    const id = requestCookies(request).get(SESSION_COOKIE);
    if (id) this.#store.delete(fingerprint(id));
    return authCookie(SESSION_COOKIE, "", 0, this.#config.secureCookies);
  }

  /**
   * Mattermost vouched for its users; their sessions end when Mattermost sign-in is turned off. A
   * password session ends when its user leaves web.users or their password hash changes.
   */
  #stillValid(session: WebSession): boolean {
    if (session.kind === "mattermost") return Boolean(this.#config.mattermostSignIn);
    if (session.kind !== "password") return false;
    const stored = Object.hasOwn(this.#config.users, session.user)
      ? this.#config.users[session.user]
      : undefined;
    return stored !== undefined && session.credential === fingerprint(stored);
  }
}
