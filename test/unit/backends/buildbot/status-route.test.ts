import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import {
  buildbotStatusRoute,
  presentedSecret,
  secretMatches,
} from "../../../../src/backends/buildbot/status-route.js";
import { errorHandler } from "../../../../src/http/error-handler.js";

const SECRET = "status-secret-0123456789";
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("presentedSecret / secretMatches", () => {
  it.each([
    [{ authorization: basic("buildbot", SECRET) }, SECRET],
    [{ authorization: `Bearer ${SECRET}` }, SECRET],
    [{ "x-slashbuild-secret": SECRET }, SECRET],
    [{ authorization: "Basic bm9jb2xvbg==" }, null],
    [{ authorization: "Digest abc" }, null],
    [{}, null],
  ])("reads %j", (headers, secret) => {
    expect(presentedSecret(headers)).toBe(secret);
  });

  it("matches only the exact secret", () => {
    expect(secretMatches(SECRET, SECRET)).toBe(true);
    expect(secretMatches(`${SECRET}x`, SECRET)).toBe(false);
    expect(secretMatches(SECRET.slice(0, -1), SECRET)).toBe(false);
    expect(secretMatches(null, SECRET)).toBe(false);
    expect(secretMatches("", "")).toBe(false);
  });
});

describe("POST /buildbot/status", () => {
  const received: unknown[] = [];
  const app = Fastify();
  // As in app.ts: the one error handler answers the route's SlashbuildErrors.
  app.setErrorHandler(errorHandler);
  app.register(buildbotStatusRoute, {
    secret: SECRET,
    onStatus: async (payload) => {
      received.push(payload);
      if ((payload as { boom?: boolean }).boom) throw new Error("REST down");
      return true;
    },
  });
  afterEach(() => {
    received.length = 0;
  });

  const post = (headers: Record<string, string>, payload: unknown = { buildid: 1 }) =>
    app.inject({ method: "POST", url: "/buildbot/status", headers, payload: payload as object });

  it.each([
    [{}],
    [{ authorization: basic("buildbot", "wrong") }],
    [{ authorization: `Bearer ${SECRET.toUpperCase()}` }],
    [{ "x-slashbuild-secret": "" }],
  ])("refuses %j with 401 and hands nothing on", async (headers) => {
    const response = await post(headers);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: "AUTH_TOKEN_INVALID" });
    expect(received).toEqual([]);
  });

  it("hands an authenticated push to the backend", async () => {
    const response = await post({ authorization: basic("buildbot", SECRET) }, { buildid: 4 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ matched: true });
    expect(received).toEqual([{ buildid: 4 }]);
  });

  it("accepts a push it cannot apply (reconcile will): 200, matched false", async () => {
    const response = await post({ "x-slashbuild-secret": SECRET }, { boom: true });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ matched: false });
  });
});
