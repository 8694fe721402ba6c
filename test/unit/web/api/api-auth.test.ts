import { timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { ApiToken } from "../../../../src/config/config.js";
import { errorHandler } from "../../../../src/http/error-handler.js";
import {
  ApiTokens,
  apiClientOf,
  apiTokenThrottle,
  registerApiAuth,
} from "../../../../src/web/api/api-auth.js";
import { LoginThrottle } from "../../../../src/web/auth/login-throttle.js";

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
  it("compare a presented token with every configured one, every time: which one matched, or how much, takes no less work", () => {
    let compared = 0;
    const counting = (a: Buffer, b: Buffer) => {
      compared += 1;
      return timingSafeEqual(a, b);
    };
    const tokens = new ApiTokens(
      [READER, DEPLOYER, { name: "third", token: "t".repeat(33), can: [] }],
      counting,
    );
    for (const [presented, expected] of [
      [READER.token, "reader"],
      [DEPLOYER.token, "deployer"],
      ["t".repeat(33), "third"],
      [`${READER.token.slice(0, 39)}x`, null],
      ["x", null],
      ["y".repeat(5000), null],
    ] as const) {
      compared = 0;
      expect(tokens.match(presented)?.name ?? null).toBe(expected);
      expect(compared, presented.slice(0, 10)).toBe(3);
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
