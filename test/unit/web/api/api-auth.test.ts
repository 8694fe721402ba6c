import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ApiToken } from "../../../../src/config/config.js";
import { errorHandler } from "../../../../src/http/error-handler.js";
import {
  ApiTokens,
  apiClientOf,
  apiTokenThrottle,
  registerApiAuth,
} from "../../../../src/web/api/api-auth.js";
import { LoginThrottle } from "../../../../src/web/auth/login-throttle.js";

// The real comparison, watched: the test sees every call ApiTokens makes to it.
vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:crypto")>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});
const compare = vi.mocked(timingSafeEqual);

const READER: ApiToken = { name: "reader", token: "r".repeat(40), can: [] };
const DEPLOYER: ApiToken = { name: "deployer", token: "d".repeat(64), can: ["rebuild", "stop"] };

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

/** The hook in front of two routes that say which token the request carried. */
async function server(throttle?: LoginThrottle): Promise<FastifyInstance> {
  app = Fastify();
  app.setErrorHandler(errorHandler);
  registerApiAuth(app, [READER, DEPLOYER], throttle);
  app.get("/api/who", async (request) => ({ client: apiClientOf(request)?.name ?? null }));
  app.get("/page", async (request) => ({ client: apiClientOf(request)?.name ?? null }));
  await app.ready();
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("API tokens", () => {
  it("compare a presented token with every configured one, every time, in constant time: which one matched, or how much of one, takes no less work", () => {
    const third: ApiToken = { name: "third", token: "t".repeat(33), can: [] };
    const tokens = new ApiTokens([READER, DEPLOYER, third]);
    const sha256 = (text: string) => createHash("sha256").update(text).digest();
    const configured = [READER, DEPLOYER, third].map((token) => sha256(token.token).toString("hex"));
    for (const [presented, expected] of [
      [READER.token, "reader"],
      [DEPLOYER.token, "deployer"],
      [third.token, "third"],
      [`${READER.token.slice(0, 39)}x`, null],
      ["x", null],
      ["y".repeat(5000), null],
    ] as const) {
      compare.mockClear();
      expect(tokens.match(presented)?.name ?? null).toBe(expected);
      // crypto.timingSafeEqual, once per configured token (no early exit on a match), always on two
      // SHA-256 digests: the presented token's length and prefix never shape the work.
      const calls = compare.mock.calls as unknown as [Buffer, Buffer][];
      expect(
        calls.map(([given]) => given.toString("hex")),
        presented.slice(0, 10),
      ).toEqual(Array(3).fill(sha256(presented).toString("hex")));
      expect(calls.map(([, known]) => known.toString("hex"))).toEqual(configured);
    }
  });

  it("mark a request with a valid bearer token as that token's; no header leaves it to the read rules", async () => {
    const client = await server();
    expect((await client.inject({ url: "/api/who", headers: bearer(DEPLOYER.token) })).json()).toEqual({
      client: "deployer",
    });
    // The scheme in any case (RFC 7235).
    expect(
      (await client.inject({ url: "/api/who", headers: { authorization: `bearer ${READER.token}` } })).json(),
    ).toEqual({ client: "reader" });
    expect((await client.inject({ url: "/api/who" })).json()).toEqual({ client: null });
    // Only the header: a token in the URL would be kept by proxies and logs, and is not read.
    expect((await client.inject({ url: `/api/who?token=${READER.token}` })).json()).toEqual({ client: null });
    // Only /api: pages go by browser sessions.
    expect((await client.inject({ url: "/page", headers: bearer(READER.token) })).json()).toEqual({
      client: null,
    });
  });

  it.each([
    ["a wrong token", `Bearer ${"r".repeat(39)}`, /not one of api.tokens/],
    [
      "another scheme",
      `Basic ${Buffer.from(`x:${READER.token}`).toString("base64")}`,
      /Authorization: Bearer/,
    ],
    ["an empty bearer", "Bearer ", /Authorization: Bearer/],
  ])("refuse %s with 401, whatever the read rules", async (_what, authorization, message) => {
    const client = await server();
    const answer = await client.inject({ url: "/api/who", headers: { authorization } });
    expect(answer.statusCode).toBe(401);
    expect(answer.json()).toMatchObject({
      error: "API_TOKEN_INVALID",
      message: expect.stringMatching(message),
    });
    expect(answer.body).not.toContain(READER.token);
  });

  it.each([
    ["off", false],
    ["on", true],
  ])(
    "throttle %s: an address guessing tokens is stopped after 20 wrong ones, its right guess too",
    async (_state, on) => {
      let now = 1_000_000;
      const throttle = on ? apiTokenThrottle(() => now) : new LoginThrottle({ keying: () => [] });
      const client = await server(throttle);
      const from = (remoteAddress: string, token: string) =>
        client.inject({ url: "/api/who", remoteAddress, headers: bearer(token) });
      const statuses: number[] = [];
      for (let guess = 0; guess < 25; guess++)
        statuses.push((await from("203.0.113.9", `guess-${guess}-${"x".repeat(30)}`)).statusCode);
      const right = await from("203.0.113.9", DEPLOYER.token);
      if (!on) {
        // The attack: guessing goes on at full speed, and the right guess gets in.
        expect(statuses.every((s) => s === 401)).toBe(true);
        expect(right.statusCode).toBe(200);
        return;
      }
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
      expect(right.statusCode).toBe(429);
      expect(right.json()).toMatchObject({ error: "API_TOKEN_THROTTLED" });
      expect(Number(right.headers["retry-after"])).toBeGreaterThan(0);
      // Other addresses are not affected; an IPv6 /64 counts as one address.
      expect((await from("198.51.100.7", DEPLOYER.token)).statusCode).toBe(200);
      for (let guess = 0; guess < 21; guess++) await from(`2001:db8::${guess.toString(16)}`, `g${guess}`);
      expect((await from("2001:db8::ffff", DEPLOYER.token)).statusCode).toBe(429);
      // The wait ends (at most a minute) and the right token works again; a valid token resets nothing.
      now += 60_000;
      expect((await from("203.0.113.9", DEPLOYER.token)).statusCode).toBe(200);
      expect((await from("203.0.113.9", "wrong")).statusCode).toBe(401);
      expect((await from("203.0.113.9", DEPLOYER.token)).statusCode).toBe(429);
    },
  );
});
