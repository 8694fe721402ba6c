import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { LoginThrottle, type ThrottleKeying } from "../../../src/web/auth/login-throttle.js";
import { fileLogStreamSource } from "../../../src/web/log/file-log-stream-source.js";
import { webRoutes } from "../../../src/web/web-routes.js";
import { WebApp } from "../../helpers/web-app.js";
import { cookiesOf, csrfOf, WEB_ORIGIN, webClient } from "../../helpers/web-inject.js";

/**
 * Issue 8, item 2: sign-out ends the session on the server; wrong passwords are throttled.
 * Issue 18: the throttle counted failures per user name, so six wrong passwords for a name from
 * anywhere locked that user out, the right password from elsewhere included, for up to 15 minutes:
 * an anonymous attacker kept anyone out with a few requests an hour. The attacks below run against
 * the web routes with the throttle keyed as it was (per address, per user name) and as it is now
 * (per address and user name pair, per address, per user name only for browsers without that
 * user's device cookie): brute force is stopped either way; the real user gets in only now.
 */

let web: WebApp | null = null;
let server: FastifyInstance | null = null;
afterEach(async () => {
  await server?.close();
  await web?.close();
  server = null;
  web = null;
});

/** The keying before issue 18. */
const perAddressAndUserName: ThrottleKeying = ({ address, user }) => [
  { key: `a:${address}`, free: 5, clearedBySuccess: true },
  { key: `u:${user.toLowerCase()}`, free: 5, clearedBySuccess: true },
];

const ATTACKER = "203.0.113.66";
const BOBS_ADDRESS = "10.0.0.1";

/** The web routes with a throttle keyed by `keying` (or the default), and sign-in attempts from any address. */
async function start(keying?: ThrottleKeying) {
  web = await WebApp.start({ read: "signed_in", users: { bob: "pw-bob", carol: "pw-carol" } });
  server = Fastify();
  await server.register(webRoutes, {
    service: web.app.service,
    config: web.app.config,
    logs: fileLogStreamSource(web.app.local.logs),
    // The throttle's clock stands still: a lock lasts the whole test, however slow the machine.
    throttle: new LoginThrottle({ clock: () => 0, ...(keying ? { keying } : {}) }),
  });
  const client = webClient(server);
  /** A sign-in as a browser at `address` makes it: a fresh form, then the POST; `cookie` is what else it holds. */
  const attempt = async (user: string, password: string, address: string, cookie = "") => {
    const form = await client.inject({ url: "/login", remoteAddress: address });
    const jar = [cookiesOf(form.headers["set-cookie"]), cookie].filter(Boolean).join("; ");
    return client.inject({
      method: "POST",
      url: "/login",
      remoteAddress: address,
      headers: { cookie: jar, origin: WEB_ORIGIN },
      payload: { user, password, csrf: csrfOf(form.body), next: "/" },
    });
  };
  return { client, attempt };
}

const keyings = [
  { name: "per address and per user name (before)", keying: perAddressAndUserName, bobGetsIn: false },
  {
    name: "per pair, per address, per user name without a device cookie (now)",
    keying: undefined,
    bobGetsIn: true,
  },
];

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

  describe.each(keyings)("throttle keyed $name", ({ keying, bobGetsIn }) => {
    it(`brute force from one address is stopped; bob from his own address ${bobGetsIn ? "still gets in" : "is locked out"}`, async () => {
      const { attempt } = await start(keying);
      const statuses: number[] = [];
      for (let k = 0; k < 8; k++) statuses.push((await attempt("bob", `wrong-${k}`, ATTACKER)).statusCode);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
      // Locked: even the right password is not checked from there until the backoff ends.
      const locked = await attempt("bob", "pw-bob", ATTACKER);
      expect(locked.statusCode).toBe(429);
      expect(Number(locked.headers["retry-after"])).toBeGreaterThan(0);
      // The attack on bob: his right password, from his own address.
      expect((await attempt("bob", "pw-bob", BOBS_ADDRESS)).statusCode).toBe(bobGetsIn ? 303 : 429);
    });

    it("one address trying many user names is stopped", async () => {
      const { attempt } = await start(keying);
      const statuses: number[] = [];
      for (let k = 0; k < 25; k++)
        statuses.push((await attempt(`user${k}`, "Winter2024!", ATTACKER)).statusCode);
      expect(statuses).toContain(429);
      expect((await attempt("carol", "pw-carol", ATTACKER)).statusCode).toBe(429);
      // Nobody else is held up by it.
      expect((await attempt("carol", "pw-carol", BOBS_ADDRESS)).statusCode).toBe(303);
    });

    it(`many addresses against bob: stopped for new browsers; bob's browser ${bobGetsIn ? "still gets in" : "is locked out"}`, async () => {
      const { attempt } = await start(keying);
      // Bob signed in from his browser last week: it holds his device cookie.
      const before = await attempt("bob", "pw-bob", BOBS_ADDRESS);
      expect(before.statusCode).toBe(303);
      const device = cookiesOf(before.headers["set-cookie"])
        .split("; ")
        .filter((c) => c.startsWith("sb_device="))
        .join("; ");
      // Eleven addresses, two wrong passwords each (no single address or pair reaches its limit).
      const statuses: number[] = [];
      for (let k = 1; k <= 11; k++) {
        for (const password of ["guess-1", "guess-2"]) {
          statuses.push((await attempt("bob", password, `198.51.100.${k}`)).statusCode);
        }
      }
      // Stopped: the attack gets refusals, and so does any browser bob never signed in from.
      expect(statuses.slice(-4)).toEqual([429, 429, 429, 429]);
      expect((await attempt("bob", "guess-3", "198.51.100.200")).statusCode).toBe(429);
      // The real user, from the browser he signed in from before, at another address.
      expect((await attempt("bob", "pw-bob", "192.0.2.10", device)).statusCode).toBe(bobGetsIn ? 303 : 429);
    });
  });
});
