import { randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { SlashbuildError } from "../../core/errors.js";
import type { Clock } from "../../core/ports.js";
import { authCookie } from "./auth-cookie.js";
import { requestCookies } from "./request-cookies.js";
import { safeEqual, type TokenSigner } from "./signed-token.js";

/** The OAuth round trip's state, bound to this browser; Mattermost's codes live 10 minutes too. */
const OAUTH_COOKIE = "sb_oauth";
const OAUTH_TTL_MS = 10 * 60_000;

/**
 * The state of a sign-in with Mattermost: sent to Mattermost, and kept in a signed cookie that
 * binds it to the browser that started it, with where to go afterwards.
 */
export class OAuthState {
  readonly #signer: TokenSigner;
  readonly #clock: Clock;
  readonly #secure: boolean;

  constructor(signer: TokenSigner, clock: Clock, secure: boolean) {
    this.#signer = signer;
    this.#clock = clock;
    this.#secure = secure;
  }

  /** Starts a sign-in: the state to send, and the cookie that binds it to this browser. */
  begin(next: string): { readonly state: string; readonly cookie: string } {
    const state = randomBytes(24).toString("base64url");
    const token = this.#signer.sign("oauth", { s: state, x: next, e: this.#clock() + OAUTH_TTL_MS });
    return { state, cookie: authCookie(OAUTH_COOKIE, token, OAUTH_TTL_MS, this.#secure) };
  }

  /**
   * Checks the state Mattermost sent back against this browser's cookie (constant time): a code
   * injected into someone else's browser (login CSRF) carries no matching cookie. Returns where to
   * go after sign-in; throws SIGN_IN_STATE_INVALID otherwise.
   */
  check(request: FastifyRequest, state: unknown): { readonly next: string } {
    const payload = this.#signer.verify("oauth", requestCookies(request).get(OAUTH_COOKIE));
    if (
      payload &&
      typeof payload.s === "string" &&
      typeof payload.x === "string" &&
      typeof payload.e === "number" &&
      payload.e > this.#clock() &&
      typeof state === "string" &&
      safeEqual(state, payload.s)
    )
      return { next: payload.x };
    throw new SlashbuildError(
      "SIGN_IN_STATE_INVALID",
      "This sign-in was not started in this browser, or it took longer than 10 minutes. Start again from Sign in.",
    );
  }

  /** Clears the state's cookie once signed in. */
  clear(): string {
    return authCookie(OAUTH_COOKIE, "", 0, this.#secure);
  }
}
