import { randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Clock } from "../../core/ports.js";
import { requestCookies } from "./request-cookies.js";
import { TokenSigner } from "./signed-token.js";

/**
 * Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser that
 * signed in as a user with the right password gets a signed cookie naming that user and a random
 * id. Its later attempts for that user are throttled under that id alone (login-throttle.ts), so an
 * attack from elsewhere against the user, however spread out, does not keep this browser out.
 * Sent only to /login, never readable by scripts; a forged or altered cookie is worth nothing.
 */

const DEVICE_COOKIE = "sb_device";
const DEVICE_TTL_MS = 90 * 24 * 3_600_000;

export class DeviceCookies {
  readonly #signer: TokenSigner;
  readonly #secure: boolean;
  readonly #clock: Clock;

  constructor(secret: string, secure: boolean, clock: Clock = Date.now) {
    this.#signer = new TokenSigner(secret);
    this.#secure = secure;
    this.#clock = clock;
  }

  /** The Set-Cookie value that marks this browser as one `user` signed in from. */
  issue(user: string): string {
    const id = randomBytes(16).toString("base64url");
    const token = this.#signer.sign("device", {
      u: user.toLowerCase(),
      d: id,
      e: this.#clock() + DEVICE_TTL_MS,
    });
    const attributes = [
      `${DEVICE_COOKIE}=${token}`,
      "Path=/login",
      "HttpOnly",
      "SameSite=Strict",
      `Max-Age=${DEVICE_TTL_MS / 1000}`,
    ];
    if (this.#secure) attributes.push("Secure");
    return attributes.join("; ");
  }

  /** This browser's device id for `user`, or null (none, forged, expired, or another user's). */
  idFor(request: FastifyRequest, user: string): string | null {
    const payload = this.#signer.verify("device", requestCookies(request).get(DEVICE_COOKIE));
    if (!payload || payload.u !== user.toLowerCase() || typeof payload.d !== "string") return null;
    return typeof payload.e === "number" && payload.e > this.#clock() ? payload.d : null;
  }
}
