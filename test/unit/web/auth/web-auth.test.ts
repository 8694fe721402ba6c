import type { FastifyRequest } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import type { WebConfig } from "../../../../src/config/config.js";
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

/** The `name=value` part of Set-Cookie headers, as a Cookie header. */
function cookieHeader(setCookies: readonly string[]): string {
  return setCookies.map((c) => c.split(";")[0]).join("; ");
}

describe("WebAuth", () => {
  it("is read-only without users: no viewer actions, every POST refused", () => {
    const auth = new WebAuth({ ...config, users: {} }, PUBLIC);
    expect(auth.enabled).toBe(false);
    expect(auth.viewer(request({}))).toEqual({ signInEnabled: false, user: null, csrf: null });
    const check = auth.checkPost(request({ origin: PUBLIC }), "x", "action");
    expect(check).toMatchObject({ ok: false, status: 403 });
    expect(check.ok ? "" : check.why).toContain("read-only");
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
    expect(auth.checkPost(request({ cookie, origin: PUBLIC }), token, "action")).toEqual({
      ok: true,
      user: { id: "web:bob", name: "bob" },
    });
    // The request's own host counts as this site too (a second name for the same server).
    expect(
      auth.checkPost(request({ cookie, referer: "https://ci.example.com/builds/1" }), token, "action").ok,
    ).toBe(true);

    const refused = [
      auth.checkPost(request({ cookie }), token, "action"), // no Origin, no Referer
      auth.checkPost(request({ cookie, origin: "https://evil.example" }), token, "action"),
      auth.checkPost(request({ cookie, origin: "null" }), token, "action"),
      auth.checkPost(request({ cookie, origin: PUBLIC }), `${token}x`, "action"),
      auth.checkPost(request({ cookie, origin: PUBLIC }), undefined, "action"),
      auth.checkPost(request({ cookie, origin: PUBLIC }), ["a"], "action"),
    ];
    for (const check of refused) expect(check).toMatchObject({ ok: false, status: 403 });
    expect(auth.checkPost(request({ origin: PUBLIC }), token, "action")).toMatchObject({
      ok: false,
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
    expect(auth.checkPost(rebound, token, "action").ok).toBe(true);
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
    expect(auth.checkPost(request({ cookie: two, origin: PUBLIC }), tokenOne, "action").ok).toBe(false);

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
    expect(auth.checkPost(request({ cookie, origin: PUBLIC }), form.csrf, "login")).toEqual({
      ok: true,
      user: null,
    });
    expect(auth.checkPost(request({ origin: PUBLIC }), form.csrf, "login").ok).toBe(false);
    expect(auth.checkPost(request({ cookie, origin: PUBLIC }), auth.loginForm().csrf, "login").ok).toBe(
      false,
    );
  });
});
