import { randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { SlashbuildError } from "../../core/errors.js";
import type { Clock } from "../../core/ports.js";
import type { WebSessionStore } from "../../core/web-sessions.js";
import { authCookie } from "./auth-cookie.js";
import { requestCookies } from "./request-cookies.js";
import { safeEqual, type TokenSigner } from "./signed-token.js";

/** A short-lived nonce for the sign-in form, so even signing in needs a CSRF token. */
const LOGIN_COOKIE = "sb_login";
const LOGIN_TTL_MS = 15 * 60_000;

function originOf(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}

/**
 * CSRF protection on every POST: the Origin (or Referer) must be this site, and the form must
 * carry the token derived from a nonce (the session's, or the sign-in form's own), compared in
 * constant time. Each check throws a SlashbuildError when it refuses.
 */
export class CsrfGuard {
  readonly #publicOrigin: string;
  readonly #signer: TokenSigner;
  readonly #clock: Clock;
  /** Where a sign-in form's nonce is marked used. */
  readonly #store: WebSessionStore;
  readonly #secure: boolean;

  constructor(publicUrl: string, signer: TokenSigner, clock: Clock, store: WebSessionStore, secure: boolean) {
    this.#publicOrigin = new URL(publicUrl).origin;
    this.#signer = signer;
    this.#clock = clock;
    this.#store = store;
    this.#secure = secure;
  }

  /** The token that forms made from this nonce carry. */
  tokenFor(nonce: string): string {
    return this.#signer.mac("csrf", nonce);
  }

  /** A fresh sign-in form's nonce: the cookie to set and the token for the form's hidden field. */
  signInForm(): { readonly cookie: string; readonly csrf: string } {
    const nonce = randomBytes(16).toString("base64url");
    const token = this.#signer.sign("login", { n: nonce, e: this.#clock() + LOGIN_TTL_MS });
    return {
      cookie: authCookie(LOGIN_COOKIE, token, LOGIN_TTL_MS, this.#secure),
      csrf: this.tokenFor(nonce),
    };
  }

  /** Clears the sign-in form's cookie once signed in. */
  clearSignInForm(): string {
    return authCookie(LOGIN_COOKIE, "", 0, this.#secure);
  }

  /** Browsers send Origin on POSTs; Referer is the fallback. Either must be this site. */
  checkOrigin(request: FastifyRequest): void {
    const origin = originOf(request.headers.origin) ?? originOf(request.headers.referer);
    const own = originOf(`${request.protocol}://${request.headers.host ?? ""}`);
    if (origin !== null && (origin === this.#publicOrigin || origin === own)) return;
    throw new SlashbuildError(
      "CSRF_CHECK_FAILED",
      "This request did not come from a slashbuild page; it was refused.",
    );
  }

  /** The sign-in form's token against its nonce cookie, which is good once only. */
  checkSignInForm(request: FastifyRequest, token: unknown): void {
    const payload = this.#signer.verify("login", requestCookies(request).get(LOGIN_COOKIE));
    const usable =
      payload &&
      typeof payload.n === "string" &&
      typeof payload.e === "number" &&
      payload.e > this.#clock() &&
      // Single use: a captured or replayed sign-in form is refused the second time.
      this.#store.useNonce(payload.n, payload.e);
    this.checkToken(usable ? (payload.n as string) : null, token);
  }

  /** The form's token against the one made from `nonce` (null: there is none to match). */
  checkToken(nonce: string | null, token: unknown): void {
    const expected = nonce === null ? null : this.tokenFor(nonce);
    if (expected !== null && typeof token === "string" && safeEqual(token, expected)) return;
    throw new SlashbuildError(
      "CSRF_CHECK_FAILED",
      "The form was stale or forged (CSRF check failed); reload the page and try again.",
    );
  }
}
