import { describe, expect, it } from "vitest";
import { BuildbotClient } from "../../../../src/backends/buildbot/buildbot-client.js";

/**
 * Session handling against scripted answers shaped like Buildbot 3.7's (the real master is met in
 * test/integration/buildbot). fetch is passed in, as everywhere in protocol code.
 */
type Script = (url: string, init: RequestInit) => Response;

function client(script: Script) {
  const calls: { url: string; cookie: string | null; auth: string | null }[] = [];
  const fetchFn = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    calls.push({ url: String(input), cookie: headers.get("cookie"), auth: headers.get("authorization") });
    return script(String(input), init);
  }) as typeof fetch;
  const c = new BuildbotClient({
    url: "http://bb:8010/",
    username: "sb",
    password: "pw",
    timeoutMs: 500,
    fetch: fetchFn,
  });
  return { c, calls };
}

function login(session: string): Response {
  const headers = new Headers({ location: "/#/" });
  headers.append("set-cookie", "TWISTED_SESSION=anonymous; Path=/");
  headers.append("set-cookie", `TWISTED_SESSION=${session}; Path=/`);
  return new Response(null, { status: 302, headers });
}

const rpc = (body: unknown) =>
  new Response(JSON.stringify({ jsonrpc: "2.0", id: 1, ...(body as object) }), { status: 200 });

describe("BuildbotClient", () => {
  it("logs in with Basic, keeps the user's (last) session cookie, and returns the force ids", async () => {
    const { c, calls } = client((url) =>
      url.endsWith("/auth/login") ? login("s1") : rpc({ result: [4, { "2": 9 }] }),
    );
    expect(await c.force("f", { branch: "main" })).toEqual({ buildsetId: 4, buildRequestIds: { "2": 9 } });
    expect(calls.map((x) => x.url)).toEqual([
      "http://bb:8010/auth/login",
      "http://bb:8010/api/v2/forceschedulers/f",
    ]);
    expect(calls[0]?.auth).toBe(`Basic ${Buffer.from("sb:pw").toString("base64")}`);
    expect(calls[1]?.cookie).toBe("TWISTED_SESSION=s1");
  });

  it('logs in again once when the session was lost ("you need to have role")', async () => {
    let sessions = 0;
    const { c, calls } = client((url, init) => {
      if (url.endsWith("/auth/login")) return login(`s${++sessions}`);
      const cookie = new Headers(init.headers).get("cookie");
      return cookie === "TWISTED_SESSION=s2"
        ? rpc({ result: null })
        : rpc({ error: { code: -32600, message: "you need to have role 'x'" } });
    });
    await c.stopBuild(3, "why");
    expect(calls.map((x) => x.url.replace("http://bb:8010", ""))).toEqual([
      "/auth/login",
      "/api/v2/builds/3",
      "/auth/login",
      "/api/v2/builds/3",
    ]);
  });

  it("says which user lacks the role when a fresh login does not help", async () => {
    const { c } = client((url) =>
      url.endsWith("/auth/login")
        ? login("s")
        : rpc({ error: { code: -32600, message: "you need to have role 'admins'" } }),
    );
    await expect(c.stopBuild(3, "why")).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
      message: expect.stringMatching(/user `sb` lacks the role.*authz/),
    });
  });

  it("wrong credentials: names the settings to check", async () => {
    const { c } = client(() => new Response("Unauthorized", { status: 401 }));
    await expect(c.force("f", {})).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
      message: expect.stringContaining("buildbot.username and buildbot.password"),
    });
  });

  it("reads: a missing build is null, answers are validated", async () => {
    const { c } = client((url) => {
      if (url.endsWith("/auth/login")) return login("s");
      return url.includes("/builds/5")
        ? new Response("{}", { status: 404 })
        : new Response(JSON.stringify({ builds: [{ buildid: "x" }] }));
    });
    expect(await c.build(5)).toBeNull();
    await expect(c.buildsForRequest(1)).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
      message: expect.stringContaining("unexpected builds entry"),
    });
  });

  it("reads as slashbuild's user: logs in first, and again once when the master forgot the session", async () => {
    let sessions = 0;
    const { c, calls } = client((url, init) => {
      if (url.endsWith("/auth/login")) return login(`s${++sessions}`);
      // A restarted master: the first session is refused as anonymous is (Forbidden, 403).
      return new Headers(init.headers).get("cookie") === "TWISTED_SESSION=s2"
        ? new Response(JSON.stringify({ logchunks: [{ logid: 7, firstline: 0, content: "oline 1\n" }] }))
        : new Response(JSON.stringify({ error: "you need to have role 'slashbuild'" }), { status: 403 });
    });
    expect(await c.logContent(7)).toBe("oline 1\n");
    expect(calls.map((x) => `${x.url.replace("http://bb:8010", "")} ${x.cookie ?? "-"}`)).toEqual([
      "/auth/login -",
      "/api/v2/logs/7/contents TWISTED_SESSION=s1",
      "/auth/login -",
      "/api/v2/logs/7/contents TWISTED_SESSION=s2",
    ]);
    // The session is kept: the next read logs in no more.
    await c.logContent(7);
    expect(calls.filter((x) => x.url.endsWith("/auth/login"))).toHaveLength(2);
  });

  it("a read still refused after a fresh login names the user and the authz to check", async () => {
    const { c } = client((url) =>
      url.endsWith("/auth/login") ? login("s") : new Response("{}", { status: 403 }),
    );
    await expect(c.build(3)).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
      message: expect.stringMatching(/refused slashbuild's user `sb` reading \/api\/v2\/builds\/3.*authz/),
    });
  });
});
