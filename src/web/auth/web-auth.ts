import { createHash, randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { WebConfig } from "../../config/config.js";
import type { ChatUser } from "../../core/chat-command.js";
import type { Clock } from "../../core/ports.js";
import { MemoryWebSessions, type WebSessionStore } from "../../core/web-sessions.js";
import { verifyPassword } from "./password-hash.js";
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
  | { readonly ok: true; readonly user: string | null }
  | { readonly ok: false; readonly status: 401 | 403; readonly why: string };

const SESSION_COOKIE = "sb_session";
/** A short-lived nonce for the sign-in form, so even signing in needs a CSRF token. */
const LOGIN_COOKIE = "sb_login";
const LOGIN_TTL_MS = 15 * 60_000;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

function cookies(request: FastifyRequest): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return jar;
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

  get enabled(): boolean {
    return Object.keys(this.#config.users).length > 0;
  }

  /** The identity web actions use in permission checks: matched by name, like a Mattermost user. */
  static chatUser(name: string): ChatUser {
    return { id: `web:${name}`, name };
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
    return this.createSession(name, { kind: "password", credential: sha256(stored) });
  }

  /**
   * Starts a server-side session for `user` and returns the Set-Cookie values that carry it. The
   * one way in for every sign-in method: a password here, "sign in with Mattermost" elsewhere
   * (kind "mattermost", credential null: that method checks its user itself). A password session
   * remembers a fingerprint of the hash it was made with, so a changed password ends it.
   */
  createSession(user: string, options: { kind: string; credential: string | null }): string[] {
    const now = this.#clock();
    this.#sessions.prune(now);
    // A fresh random id and nonce per sign-in: a cookie planted before it (fixation) is worth nothing.
    const id = randomBytes(32).toString("base64url");
    this.#sessions.create({
      idHash: sha256(id),
      user,
      kind: options.kind,
      credential: options.credential,
      nonce: randomBytes(16).toString("base64url"),
      createdAt: now,
      expiresAt: now + this.#config.sessionTtlMs,
    });
    return [this.#cookie(SESSION_COOKIE, id, this.#config.sessionTtlMs), this.#cookie(LOGIN_COOKIE, "", 0)];
  }

  /** Ends the request's session on the server (a replayed cookie is worth nothing) and clears it. */
  signOut(request: FastifyRequest): string[] {
    const id = cookies(request).get(SESSION_COOKIE);
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
        why: "This slashbuild's web UI is read-only: sign-in is not configured (see web.users in the configuration).",
      };
    }
    let nonce: string | null = null;
    let user: string | null = null;
    if (purpose === "login") {
      const payload = this.#signer.verify("login", cookies(request).get(LOGIN_COOKIE));
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
      user = session.user;
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

  #session(request: FastifyRequest): { user: string; nonce: string } | null {
    const id = cookies(request).get(SESSION_COOKIE);
    if (!id || id.length > 100) return null;
    const session = this.#sessions.find(sha256(id));
    if (!session) return null;
    if (
      session.expiresAt <= this.#clock() ||
      !this.#stillValid(session.kind, session.user, session.credential)
    ) {
      this.#sessions.delete(session.idHash);
      return null;
    }
    return { user: session.user, nonce: session.nonce };
  }

  /** A password session ends when its user leaves web.users or their password hash changes. */
  #stillValid(kind: string, user: string, credential: string | null): boolean {
    if (kind !== "password") return true;
    const stored = Object.hasOwn(this.#config.users, user) ? this.#config.users[user] : undefined;
    return stored !== undefined && credential === sha256(stored);
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
