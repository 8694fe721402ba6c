import { afterEach, describe, expect, it } from "vitest";
import { WebApp } from "../../helpers/web-app.js";
import { cookiesOf, csrfOf, WEB_ORIGIN, webClient } from "../../helpers/web-inject.js";

/** Issue 8, item 2: sign-out ends the session on the server; wrong passwords are throttled. */

let web: WebApp | null = null;
afterEach(async () => {
  await web?.close();
  web = null;
});

describe("sign-in hardening", () => {
  it("signing out revokes the session: the old cookie replayed reads nothing", async () => {
    web = await WebApp.start({ read: "signed_in", users: { bob: "pw-bob" } });
    const client = webClient(web);
    const cookie = await client.signIn("bob", "pw-bob");
    expect((await client.inject({ url: "/", headers: { cookie } })).statusCode).toBe(200);
    const page = await client.inject({ url: "/", headers: { cookie } });
    const out = await client.inject({
      method: "POST",
      url: "/logout",
      headers: { cookie, origin: WEB_ORIGIN },
      payload: { csrf: csrfOf(page.body) },
    });
    expect(out.statusCode).toBe(303);
    // The attack: the captured cookie still worked for its whole lifetime.
    expect((await client.inject({ url: "/api/builds/1", headers: { cookie } })).statusCode).toBe(401);
  });

  it("throttles wrong passwords per user name with backoff, even from fresh forms", async () => {
    web = await WebApp.start({ users: { bob: "pw-bob" } });
    const client = webClient(web);
    const attempt = async (password: string) => {
      const form = await client.inject({ url: "/login" });
      return client.inject({
        method: "POST",
        url: "/login",
        headers: { cookie: cookiesOf(form.headers["set-cookie"]), origin: WEB_ORIGIN },
        payload: { user: "bob", password, csrf: csrfOf(form.body) },
      });
    };
    const statuses: number[] = [];
    for (let k = 0; k < 8; k++) statuses.push((await attempt(`wrong-${k}`)).statusCode);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(6)).toEqual([429, 429]);
    // Locked: even the right password is not checked until the backoff ends.
    const locked = await attempt("pw-bob");
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(0);
  });
});
