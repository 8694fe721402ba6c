import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { isSlashbuildError } from "../../../../src/core/errors.js";
import { OAuthState } from "../../../../src/web/auth/oauth-state.js";
import { TokenSigner } from "../../../../src/web/auth/signed-token.js";

function request(cookie?: string): FastifyRequest {
  return { headers: cookie ? { cookie } : {} } as unknown as FastifyRequest;
}

function codeOf(check: () => unknown): string | null {
  try {
    check();
    return null;
  } catch (error) {
    if (!isSlashbuildError(error)) throw error;
    return `${error.code} ${error.httpStatus}`;
  }
}

describe("OAuthState", () => {
  it("gives back where to go only to the browser that started the sign-in, within 10 minutes", () => {
    let now = 1_000_000;
    const signer = new TokenSigner("s".repeat(40));
    const oauth = new OAuthState(signer, () => now, true);
    const { state, cookie } = oauth.begin("/builds/7");
    expect(cookie).toMatch(/^sb_oauth=[\w.-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/);
    const mine = request(cookie.split(";")[0]);
    expect(oauth.check(mine, state)).toEqual({ next: "/builds/7" });

    // Another browser (no cookie), another state, a cookie signed with another secret, or too late.
    const other = new OAuthState(new TokenSigner("t".repeat(40)), () => now, true).begin("/");
    expect(codeOf(() => oauth.check(request(), state))).toBe("SIGN_IN_STATE_INVALID 403");
    expect(codeOf(() => oauth.check(mine, `${state}x`))).toBe("SIGN_IN_STATE_INVALID 403");
    expect(codeOf(() => oauth.check(mine, undefined))).toBe("SIGN_IN_STATE_INVALID 403");
    expect(codeOf(() => oauth.check(request(other.cookie.split(";")[0]), other.state))).toBe(
      "SIGN_IN_STATE_INVALID 403",
    );
    now += 10 * 60_000;
    expect(codeOf(() => oauth.check(mine, state))).toBe("SIGN_IN_STATE_INVALID 403");
  });

  it("clears its cookie", () => {
    const oauth = new OAuthState(new TokenSigner("s".repeat(40)), Date.now, false);
    expect(oauth.clear()).toBe("sb_oauth=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
  });
});
