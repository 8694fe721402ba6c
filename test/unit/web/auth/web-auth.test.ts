import type { FastifyRequest } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import type { WebConfig } from "../../../../src/config/config.js";
import { isSlashbuildError } from "../../../../src/core/errors.js";
import { MemoryWebSessions } from "../../../../src/core/web-sessions.js";
import { hashPassword } from "../../../../src/web/auth/password-hash.js";
import { WebAuth } from "../../../../src/web/auth/web-auth.js";

const PUBLIC = "https://ci.example.com";
let config: WebConfig;

beforeAll(async () => {
  config = {
    users: { bob: await hashPassword("pw-bob") },
    sessionSecret: "s".repeat(40),
    sessionTtlMs: 60_000,
    secureCookies: true,
    read: "signed_in",
  };
});

function request(headers: Record<string, string>): FastifyRequest {
  return { headers: { host: "ci.example.com", ...headers }, protocol: "https" } as unknown as FastifyRequest;
}

/** The code and status a check refused with, or null when it passed. */
function refusal(check: () => unknown): { code: string; status: number } | null {
  try {
    check();
    return null;
  } catch (error) {
    if (!isSlashbuildError(error)) throw error;
    return { code: error.code, status: error.httpStatus };
  }
}

/** The `name=value` part of Set-Cookie headers, as a Cookie header. */
function cookieHeader(setCookies: readonly string[]): string {
  return setCookies.map((c) => c.split(";")[0]).join("; ");
}

describe("WebAuth", () => {
  it("is read-only without users: no viewer actions, every POST refused", () => {
    const auth = new WebAuth({ ...config, users: {} }, PUBLIC);
    expect(auth.enabled).toBe(false);
    expect(auth.viewer(request({}))).toEqual({ signInEnabled: false, user: null, csrf: null });
    expect(() => auth.checkActionPost(request({ origin: PUBLIC }), "x")).toThrow(/read-only/);
    expect(refusal(() => auth.checkSignInPost(request({ origin: PUBLIC }), "x"))).toEqual({
      code: "SIGN_IN_NOT_CONFIGURED",
      status: 403,
    });
  });

  it("signs in with the right password only, with HttpOnly SameSite=Lax Secure cookies", async () => {
    const auth = new WebAuth(config, PUBLIC);
    expect(await auth.signIn("bob", "nope")).toBeNull();
    expect(await auth.signIn("nobody", "pw-bob")).toBeNull();
    const cookies = await auth.signIn("bob", "pw-bob");
    expect(cookies?.[0]).toMatch(
      /^sb_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=60; Secure$/,
    );
  });

  it("accepts a POST only from this origin with the session's CSRF token", async () => {
    const auth = new WebAuth(config, PUBLIC);
    const cookie = cookieHeader((await auth.signIn("bob", "pw-bob")) ?? []);
    const viewer = auth.viewer(request({ cookie }));
    expect(viewer.user).toBe("bob");
    const token = viewer.csrf ?? "";
    expect(auth.checkActionPost(request({ cookie, origin: PUBLIC }), token)).toEqual({
      id: "web:bob",
      name: "bob",
    });
    // The request's own host counts as this site too (a second name for the same server).
    expect(
      refusal(() =>
        auth.checkActionPost(request({ cookie, referer: "https://ci.example.com/builds/1" }), token),
      ),
    ).toBeNull();

    const refused = [
      refusal(() => auth.checkActionPost(request({ cookie }), token)), // no Origin, no Referer
      refusal(() => auth.checkActionPost(request({ cookie, origin: "https://evil.example" }), token)),
      refusal(() => auth.checkActionPost(request({ cookie, origin: "null" }), token)),
      refusal(() => auth.checkActionPost(request({ cookie, origin: PUBLIC }), `${token}x`)),
      refusal(() => auth.checkActionPost(request({ cookie, origin: PUBLIC }), undefined)),
      refusal(() => auth.checkActionPost(request({ cookie, origin: PUBLIC }), ["a"])),
    ];
    for (const check of refused) expect(check).toEqual({ code: "CSRF_CHECK_FAILED", status: 403 });
    expect(refusal(() => auth.checkActionPost(request({ origin: PUBLIC }), token))).toEqual({
      code: "SIGN_IN_REQUIRED",
      status: 401,
    });
  });

  it("alone accepts a DNS-rebinding shape (Origin == attacker's Host): why web-routes gates the Host first", async () => {
    const auth = new WebAuth(config, PUBLIC);
    const cookie = cookieHeader((await auth.signIn("bob", "pw-bob")) ?? []);
    const token = auth.viewer(request({ cookie })).csrf ?? "";
    const rebound = {
      headers: { host: "rebind.evil.example", cookie, origin: "https://rebind.evil.example" },
      protocol: "https",
    } as unknown as FastifyRequest;
    // The attack succeeds at this layer; test/integration/web/host-header.test.ts shows it refused.
    expect(refusal(() => auth.checkActionPost(rebound, token))).toBeNull();
  });

  it("ends a password session when the password changes (issue 8, item 2)", async () => {
    const sessions = new MemoryWebSessions();
    const before = new WebAuth(config, PUBLIC, Date.now, sessions);
    const cookie = cookieHeader((await before.signIn("bob", "pw-bob")) ?? []);
    expect(before.viewer(request({ cookie })).user).toBe("bob");
    const changed = { ...config, users: { bob: await hashPassword("new-password") } };
    const after = new WebAuth(changed, PUBLIC, Date.now, sessions);
    expect(after.viewer(request({ cookie })).user).toBeNull();
    // startSession is the way in for every method; a Mattermost session ends while that sign-in is off.
    const other = cookieHeader(after.startSession({ id: "mm-carol", name: "carol", via: "mattermost" }));
    expect(after.viewer(request({ cookie: other })).user).toBeNull();
  });

  it("gives each session its own token and ends sessions on expiry or removal of the user", async () => {
    let now = 1_000_000;
    const auth = new WebAuth(config, PUBLIC, () => now);
    const one = cookieHeader((await auth.signIn("bob", "pw-bob")) ?? []);
    const two = cookieHeader((await auth.signIn("bob", "pw-bob")) ?? []);
    const tokenOne = auth.viewer(request({ cookie: one })).csrf ?? "";
    expect(tokenOne).not.toBe(auth.viewer(request({ cookie: two })).csrf);
    expect(refusal(() => auth.checkActionPost(request({ cookie: two, origin: PUBLIC }), tokenOne))).toEqual({
      code: "CSRF_CHECK_FAILED",
      status: 403,
    });

    const withoutBob = new WebAuth(
      { ...config, users: { carol: config.users.bob ?? "" } },
      PUBLIC,
      () => now,
    );
    expect(withoutBob.viewer(request({ cookie: one })).user).toBeNull();

    now += 60_001;
    expect(auth.viewer(request({ cookie: one })).user).toBeNull();
  });

  it("protects the sign-in form with its own nonce cookie", () => {
    const auth = new WebAuth(config, PUBLIC);
    const form = auth.loginForm();
    const cookie = cookieHeader([form.cookie]);
    expect(refusal(() => auth.checkSignInPost(request({ cookie, origin: PUBLIC }), form.csrf))).toBeNull();
    // Once only: the same form again is refused.
    expect(refusal(() => auth.checkSignInPost(request({ cookie, origin: PUBLIC }), form.csrf))).toEqual({
      code: "CSRF_CHECK_FAILED",
      status: 403,
    });
    expect(refusal(() => auth.checkSignInPost(request({ origin: PUBLIC }), form.csrf))).not.toBeNull();
    const fresh = auth.loginForm();
    const freshCookie = cookieHeader([fresh.cookie]);
    expect(
      refusal(() => auth.checkSignInPost(request({ cookie: freshCookie, origin: PUBLIC }), form.csrf)),
    ).not.toBeNull();
    expect(
      refusal(() =>
        auth.checkSignInPost(request({ cookie: freshCookie, origin: "https://evil.example" }), fresh.csrf),
      ),
    ).toEqual({ code: "CSRF_CHECK_FAILED", status: 403 });
  });
});
