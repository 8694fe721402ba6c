import { createHash, randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { WebConfig } from "../../config/config.js";
import { type ChatUser, webPasswordUser } from "../../core/chat-command.js";
import type { Clock } from "../../core/ports.js";
import { MemoryWebSessions, type WebSession, type WebSessionStore } from "../../core/web-sessions.js";
import { verifyPassword } from "./password-hash.js";
import { requestCookies } from "./request-cookies.js";
import { safeEqual, TokenSigner } from "./signed-token.js";

/** Who is looking at a page, and what they may do there. */
export interface Viewer {
  /** Sign-in is configured (web.users is not empty); without it the UI is read-only. */
  readonly signInEnabled: boolean;
  /** The signed-in user's name, or null. */
  readonly user: string | null;
  /** The CSRF token that forms on this page carry (null when there is nothing to post). */
  readonly csrf: string | null;
}

export type PostCheck =
  | { readonly ok: true; readonly user: ChatUser | null }
  | { readonly ok: false; readonly status: 401 | 403; readonly why: string };

const SESSION_COOKIE = "sb_session";
/** A short-lived nonce for the sign-in form, so even signing in needs a CSRF token. */
const LOGIN_COOKIE = "sb_login";
const LOGIN_TTL_MS = 15 * 60_000;
/** The OAuth round trip's state, bound to this browser; Mattermost's codes live 10 minutes too. */
const OAUTH_COOKIE = "sb_oauth";
const OAUTH_TTL_MS = 10 * 60_000;

/** Who a session belongs to: a local web user, or a Mattermost user signed in through OAuth. */
export interface SessionIdentity {
  readonly id: string;
  readonly name: string;
  readonly via: "password" | "mattermost";
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

function originOf(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}

/**
 * Sign-in for the web UI: users and scrypt hashes from the config, sessions in HMAC-signed cookies
 * (HttpOnly, SameSite=Lax), and CSRF protection on every POST: the Origin (or Referer) must be this
 * site, and the form must carry the token derived from the session's nonce, compared in constant
 * time. A user removed from the config is signed out at their next request.
 */
export class WebAuth {
  readonly #config: WebConfig;
  readonly #publicOrigin: string;
  readonly #signer: TokenSigner;
  readonly #clock: Clock;
  readonly #sessions: WebSessionStore;

  constructor(
    config: WebConfig,
    publicUrl: string,
    clock: Clock = Date.now,
    sessions: WebSessionStore = new MemoryWebSessions(),
  ) {
    this.#config = config;
    this.#sessions = sessions;
    this.#publicOrigin = new URL(publicUrl).origin;
    // Without a configured secret, sign-ins last until the process restarts.
    this.#signer = new TokenSigner(config.sessionSecret ?? randomBytes(32).toString("hex"));
    this.#clock = clock;
  }

  /** Sign-in of either kind is configured; without it the UI is read-only. */
  get enabled(): boolean {
    return this.passwordsEnabled || this.mattermostEnabled;
  }

  get passwordsEnabled(): boolean {
    return Object.keys(this.#config.users).length > 0;
  }

  get mattermostEnabled(): boolean {
    return Boolean(this.#config.mattermostSignIn);
  }

  /** The identity web actions use in permission checks: matched by name, like a Mattermost user. */
  static chatUser(name: string): ChatUser {
    return webPasswordUser(name);
  }

  viewer(request: FastifyRequest): Viewer {
    if (!this.enabled) return { signInEnabled: false, user: null, csrf: null };
    const session = this.#session(request);
    return session
      ? { signInEnabled: true, user: session.user, csrf: this.#signer.mac("csrf", session.nonce) }
      : { signInEnabled: true, user: null, csrf: null };
  }

  /** A fresh sign-in form's nonce: the cookie to set and the token for the form's hidden field. */
  loginForm(): { readonly cookie: string; readonly csrf: string } {
    const nonce = randomBytes(16).toString("base64url");
    const token = this.#signer.sign("login", { n: nonce, e: this.#clock() + LOGIN_TTL_MS });
    return {
      cookie: this.#cookie(LOGIN_COOKIE, token, LOGIN_TTL_MS),
      csrf: this.#signer.mac("csrf", nonce),
    };
  }

  /** Checks a password; on success returns the Set-Cookie values that start a session. */
  async signIn(name: string, password: string): Promise<string[] | null> {
    const stored = Object.hasOwn(this.#config.users, name) ? (this.#config.users[name] ?? null) : null;
    if (!(await verifyPassword(password, stored)) || stored === null) return null;
    return this.startSession({ ...WebAuth.chatUser(name), via: "password" }, sha256(stored));
  }

  /**
   * The one way a session begins, whatever proved the identity (password or Mattermost): stored
   * server-side (issue 8), returned as the Set-Cookie values carrying a random id. A fresh id and
   * nonce each time: a cookie planted before (session fixation) is worth nothing. A password
   * session remembers a fingerprint of the hash it was made with, so a changed password ends it.
   */
  startSession(identity: SessionIdentity, credential: string | null = null): string[] {
    const now = this.#clock();
    this.#sessions.prune(now);
    const id = randomBytes(32).toString("base64url");
    this.#sessions.create({
      idHash: sha256(id),
      user: identity.name,
      userId: identity.id,
      kind: identity.via,
      credential,
      nonce: randomBytes(16).toString("base64url"),
      createdAt: now,
      expiresAt: now + this.#config.sessionTtlMs,
    });
    return [
      this.#cookie(SESSION_COOKIE, id, this.#config.sessionTtlMs),
      this.#cookie(LOGIN_COOKIE, "", 0),
      this.#cookie(OAUTH_COOKIE, "", 0),
    ];
  }

  /** Starts a Mattermost sign-in: the state to send, and the cookie that binds it to this browser. */
  beginMattermostSignIn(next: string): { readonly state: string; readonly cookie: string } {
    const state = randomBytes(24).toString("base64url");
    const token = this.#signer.sign("oauth", { s: state, x: next, e: this.#clock() + OAUTH_TTL_MS });
    return { state, cookie: this.#cookie(OAUTH_COOKIE, token, OAUTH_TTL_MS) };
  }

  /**
   * Checks the state Mattermost sent back against this browser's cookie (constant time): a code
   * injected into someone else's browser (login CSRF) carries no matching cookie. Returns where
   * to go after sign-in, or null.
   */
  checkMattermostState(request: FastifyRequest, state: unknown): { readonly next: string } | null {
    const payload = this.#signer.verify("oauth", requestCookies(request).get(OAUTH_COOKIE));
    if (!payload || typeof payload.s !== "string" || typeof payload.x !== "string") return null;
    if (typeof payload.e !== "number" || payload.e <= this.#clock()) return null;
    if (typeof state !== "string" || !safeEqual(state, payload.s)) return null;
    return { next: payload.x };
  }

  /** Ends the request's session on the server (a replayed cookie is worth nothing) and clears it. */
  signOut(request: FastifyRequest): string[] {
    const id = requestCookies(request).get(SESSION_COOKIE);
    if (id) this.#sessions.delete(sha256(id));
    return [this.#cookie(SESSION_COOKIE, "", 0)];
  }

  /**
   * The CSRF gate every state-changing request passes: same origin, sign-in configured, a valid
   * session (or, for the sign-in form itself, its nonce cookie), and the matching token.
   */
  checkPost(request: FastifyRequest, token: unknown, purpose: "action" | "login"): PostCheck {
    if (!this.#sameOrigin(request)) {
      return {
        ok: false,
        status: 403,
        why: "This request did not come from a slashbuild page; it was refused.",
      };
    }
    if (!this.enabled) {
      return {
        ok: false,
        status: 403,
        why: "This slashbuild's web UI is read-only: sign-in is not configured (see web.users and web.mattermost_sign_in in the configuration).",
      };
    }
    let nonce: string | null = null;
    let user: ChatUser | null = null;
    if (purpose === "login") {
      const payload = this.#signer.verify("login", requestCookies(request).get(LOGIN_COOKIE));
      if (
        payload &&
        typeof payload.n === "string" &&
        typeof payload.e === "number" &&
        payload.e > this.#clock() &&
        // Single use: a captured or replayed sign-in form is refused the second time.
        this.#sessions.useNonce(payload.n, payload.e)
      )
        nonce = payload.n;
    } else {
      const session = this.#session(request);
      if (!session)
        return { ok: false, status: 401, why: "Please sign in first; your session may have expired." };
      nonce = session.nonce;
      user = { id: session.id, name: session.user };
    }
    const expected = nonce === null ? null : this.#signer.mac("csrf", nonce);
    if (expected === null || typeof token !== "string" || !safeEqual(token, expected)) {
      return {
        ok: false,
        status: 403,
        why: "The form was stale or forged (CSRF check failed); reload the page and try again.",
      };
    }
    return { ok: true, user };
  }

  #session(request: FastifyRequest): { user: string; id: string; nonce: string } | null {
    const id = requestCookies(request).get(SESSION_COOKIE);
    if (!id || id.length > 100) return null;
    const session = this.#sessions.find(sha256(id));
    if (!session) return null;
    if (session.expiresAt <= this.#clock() || !this.#stillValid(session)) {
      this.#sessions.delete(session.idHash);
      return null;
    }
    return { user: session.user, id: session.userId, nonce: session.nonce };
  }

  /**
   * Mattermost vouched for its users; their sessions end when Mattermost sign-in is turned off. A
   * password session ends when its user leaves web.users or their password hash changes.
   */
  #stillValid(session: WebSession): boolean {
    if (session.kind === "mattermost") return this.mattermostEnabled;
    if (session.kind !== "password") return false;
    const stored = Object.hasOwn(this.#config.users, session.user)
      ? this.#config.users[session.user]
      : undefined;
    return stored !== undefined && session.credential === sha256(stored);
  }

  /** Browsers send Origin on POSTs; Referer is the fallback. Either must be this site. */
  #sameOrigin(request: FastifyRequest): boolean {
    const origin = originOf(request.headers.origin) ?? originOf(request.headers.referer);
    if (origin === null) return false;
    const own = originOf(`${request.protocol}://${request.headers.host ?? ""}`);
    return origin === this.#publicOrigin || origin === own;
  }

  #cookie(name: string, value: string, maxAgeMs: number): string {
    const attributes = [
      `${name}=${value}`,
      "Path=/",
      "HttpOnly",
      "SameSite=Lax",
      `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
    ];
    if (this.#config.secureCookies) attributes.push("Secure");
    return attributes.join("; ");
  }
}
