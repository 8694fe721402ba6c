import { randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { WebConfig } from "../../config/config.js";
import type { ChatUser } from "../../core/chat-command.js";
import { SlashbuildError } from "../../core/errors.js";
import type { Clock } from "../../core/ports.js";
import { MemoryWebSessions, type WebSessionStore } from "../../core/web-sessions.js";
import { CsrfGuard } from "./csrf-guard.js";
import { OAuthState } from "./oauth-state.js";
import { verifyPassword } from "./password-hash.js";
import { fingerprint, SessionCookies, type SessionIdentity } from "./session-cookies.js";
import { TokenSigner } from "./signed-token.js";

/** Who is looking at a page, and what they may do there. */
export interface Viewer {
  /** Sign-in is configured (web.users is not empty); without it the UI is read-only. */
  readonly signInEnabled: boolean;
  /** The signed-in user's name, or null. */
  readonly user: string | null;
  /** The CSRF token that forms on this page carry (null when there is nothing to post). */
  readonly csrf: string | null;
}

/**
 * Sign-in for the web UI, composed of its three parts: sessions in server-side records behind a
 * random cookie id (session-cookies.ts), CSRF checks on every POST (csrf-guard.ts), and the state
 * of a sign-in with Mattermost (oauth-state.ts). Users and scrypt hashes come from the config.
 * Every refusal is a SlashbuildError.
 */
export class WebAuth {
  readonly #config: WebConfig;
  readonly #sessions: SessionCookies;
  readonly #csrf: CsrfGuard;
  readonly #oauth: OAuthState;

  constructor(
    config: WebConfig,
    publicUrl: string,
    clock: Clock = Date.now,
    sessions: WebSessionStore = new MemoryWebSessions(),
  ) {
    this.#config = config;
    // Without a configured secret, sign-ins last until the process restarts.
    const signer = new TokenSigner(config.sessionSecret ?? randomBytes(32).toString("hex"));
    this.#sessions = new SessionCookies(config, clock, sessions);
    this.#csrf = new CsrfGuard(publicUrl, signer, clock, sessions, config.secureCookies);
    this.#oauth = new OAuthState(signer, clock, config.secureCookies);
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
    return { id: `web:${name}`, name };
  }

  viewer(request: FastifyRequest): Viewer {
    if (!this.enabled) return { signInEnabled: false, user: null, csrf: null };
    const session = this.#sessions.current(request);
    return session
      ? { signInEnabled: true, user: session.user, csrf: this.#csrf.tokenFor(session.nonce) }
      : { signInEnabled: true, user: null, csrf: null };
  }

  /** A fresh sign-in form's nonce: the cookie to set and the token for the form's hidden field. */
  loginForm(): { readonly cookie: string; readonly csrf: string } {
    return this.#csrf.signInForm();
  }

  /** Checks a password; on success returns the Set-Cookie values that start a session. */
  async signIn(name: string, password: string): Promise<string[] | null> {
    const stored = Object.hasOwn(this.#config.users, name) ? (this.#config.users[name] ?? null) : null;
    if (!(await verifyPassword(password, stored)) || stored === null) return null;
    return this.startSession({ ...WebAuth.chatUser(name), via: "password" }, fingerprint(stored));
  }

  /**
   * The one way a session begins, whatever proved the identity (password or Mattermost): the
   * Set-Cookie values of the new session, clearing the sign-in form's and Mattermost's cookies.
   */
  startSession(identity: SessionIdentity, credential: string | null = null): string[] {
    return [this.#sessions.start(identity, credential), this.#csrf.clearSignInForm(), this.#oauth.clear()];
  }

  /** Starts a Mattermost sign-in: the state to send, and the cookie that binds it to this browser. */
  beginMattermostSignIn(next: string): { readonly state: string; readonly cookie: string } {
    return this.#oauth.begin(next);
  }

  /** Where to go after a Mattermost sign-in; throws SIGN_IN_STATE_INVALID (oauth-state.ts). */
  checkMattermostState(request: FastifyRequest, state: unknown): { readonly next: string } {
    return this.#oauth.check(request, state);
  }

  /** Ends the request's session on the server and clears its cookie. */
  signOut(request: FastifyRequest): string[] {
    return [this.#sessions.end(request)];
  }

  /**
   * The gate of the sign-in form's POST: same origin, sign-in configured, and the token of the
   * form's own nonce cookie. Throws a SlashbuildError when it refuses.
   */
  checkSignInPost(request: FastifyRequest, token: unknown): void {
    this.#checkOpen(request);
    this.#csrf.checkSignInForm(request, token);
  }

  /**
   * The gate every other state-changing request passes: same origin, sign-in configured, a valid
   * session and its token. Returns who is acting; throws a SlashbuildError when it refuses.
   */
  checkActionPost(request: FastifyRequest, token: unknown): ChatUser {
    this.#checkOpen(request);
    const session = this.#sessions.current(request);
    if (!session)
      throw new SlashbuildError("SIGN_IN_REQUIRED", "Please sign in first; your session may have expired.");
    this.#csrf.checkToken(session.nonce, token);
    return { id: session.id, name: session.user };
  }

  #checkOpen(request: FastifyRequest): void {
    this.#csrf.checkOrigin(request);
    if (!this.enabled) {
      throw new SlashbuildError(
        "SIGN_IN_NOT_CONFIGURED",
        "This slashbuild's web UI is read-only: sign-in is not configured (see web.users and web.mattermost_sign_in in the configuration).",
      );
    }
  }
}
