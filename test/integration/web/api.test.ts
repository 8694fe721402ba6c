import { Writable } from "node:stream";
import Fastify from "fastify";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { knownSecrets } from "../../../src/core/known-secrets.js";
import { createLogger } from "../../../src/create-logger.js";
import { fileLogStreamSource } from "../../../src/web/log/file-log-stream-source.js";
import { webRoutes } from "../../../src/web/web-routes.js";
import { WebApp, type WebAppOptions } from "../../helpers/web-app.js";
import { WEB_ORIGIN, webClient } from "../../helpers/web-inject.js";

/**
 * The API for scripts (issue 21) through the whole service: the pages' read rules plus tokens,
 * rebuild and stop with the web buttons' permission checks, and tokens that never reach the log.
 */

const READER = "reader-token-0123456789-0123456789";
const DEPLOYER = "deployer-token-0123456789-0123456789";
const OUTSIDER = "outsider-token-0123456789-0123456789";
const TOKENS = {
  reader: { token: READER },
  deployer: { token: DEPLOYER, can: ["rebuild", "stop"] },
  outsider: { token: OUTSIDER, can: ["rebuild", "stop"] },
};
const WAITING = [`echo started; while [ ! -f "$GATE/never" ]; do sleep 0.05; done`];
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let web: WebApp | null = null;
afterEach(async () => {
  await web?.close();
  web = null;
});

async function start(options: WebAppOptions, status = "succeeded") {
  web = await WebApp.start({
    commands: ["echo a-line"],
    ...options,
    extra: { api: { tokens: TOKENS }, ...options.extra },
  });
  const build = await web.requestBuild();
  await web.waitForStatus(build.id, (b) => b.status === status);
  return { web, build, client: webClient(web) };
}

describe("the API's read rules", () => {
  it("web.read: signed_in: a token or a session reads everything, with the Mattermost ids; nobody else reads", async () => {
    const { build, client } = await start({ read: "signed_in", users: { bob: "pw-bob" } });
    for (const url of ["/api/builds", `/api/builds/${build.id}`]) {
      const anonymous = await client.inject({ url });
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.json()).toMatchObject({ error: "SIGN_IN_REQUIRED" });
      const token = await client.inject({ url, headers: bearer(READER) });
      expect(token.statusCode, url).toBe(200);
      expect(token.body).toContain('"requesterId":"uid-alice"');
      expect(token.headers["cache-control"]).toBe("private, no-store");
    }
    const cookie = await client.signIn("bob", "pw-bob");
    const session = await client.inject({ url: "/api/builds?repo=app", headers: { cookie } });
    expect(session.json()).toMatchObject({ builds: [{ id: build.id, channelId: "chan-ci" }], next: null });
    // A token opens /api only: pages, logs and streams go by browser sessions.
    const page = await client.inject({ url: `/builds/${build.id}/steps/1/raw`, headers: bearer(READER) });
    expect(page.statusCode).toBe(401);
    expect(page.body).not.toContain("a-line");
  });

  it("web.read: public: anyone lists builds without the Mattermost ids; a wrong token is still refused", async () => {
    const { build, client } = await start({ read: "public" });
    const anonymous = await client.inject({ url: "/api/builds?status=succeeded" });
    expect(anonymous.json()).toMatchObject({ builds: [{ id: build.id, requester: "alice" }] });
    expect(anonymous.body).not.toMatch(/requesterId|channelId|uid-alice|chan-ci/);
    expect((await client.inject({ url: "/api/builds", headers: bearer(READER) })).body).toContain(
      "uid-alice",
    );
    const stale = await client.inject({ url: "/api/builds", headers: bearer(`${READER}x`) });
    expect(stale.statusCode).toBe(401);
    expect(stale.json()).toMatchObject({ error: "API_TOKEN_INVALID" });
  });

  it("lists with the list page's filters, pages by build number, and refuses what the page would ignore", async () => {
    const { web, client } = await start({ read: "public" });
    const more = await web.requestBuild();
    await web.waitForStatus(more.id, (b) => b.status === "succeeded");
    const all = (await client.inject({ url: "/api/builds?limit=100" })).json() as {
      builds: { id: number }[];
    };
    const pages: number[] = [];
    let next: string | null = "/api/builds?limit=1&requester=@alice";
    while (next !== null) {
      const page = (await client.inject({ url: next })).json() as {
        builds: { id: number }[];
        next: string | null;
      };
      pages.push(...page.builds.map((b) => b.id));
      next = page.next;
    }
    expect(pages).toEqual(all.builds.map((b) => b.id));
    expect(pages.length).toBeGreaterThanOrEqual(2);
    for (const [query, problem] of [
      ["stauts=failed", /unknown parameter stauts/],
      ["status=broken", /status must be one of queued, running/],
      ["limit=0", /limit must be/],
      ["limit=101", /limit must be/],
      ["before=abc", /before must be a build number/],
      ["repo=a&repo=b", /repo must be given once/],
    ] as const) {
      const answer = await client.inject({ url: `/api/builds?${query}` });
      expect(answer.statusCode, query).toBe(400);
      expect(answer.json(), query).toMatchObject({
        error: "REQUEST_INVALID",
        message: expect.stringMatching(problem),
      });
    }
  });
});

describe("rebuild and stop over the API", () => {
  it("run the web buttons' checks as the token's name: repo users, then the channel allow-list naming web", async () => {
    const { build, client } = await start(
      { read: "public", commands: WAITING, repoExtra: { users: ["alice", "deployer", "reader"] } },
      "running",
    );
    const post = (action: string, token: string) =>
      client.inject({ method: "POST", url: `/api/builds/${build.id}/${action}`, headers: bearer(token) });
    // Not among the repo's users: refused exactly as the web's button refuses such a user.
    for (const action of ["rebuild", "stop"]) {
      const refused = await post(action, OUTSIDER);
      expect(refused.statusCode, action).toBe(403);
      expect(refused.json()).toMatchObject({ error: "NOT_PERMITTED" });
    }
    // Read-only (no `can`): refused both, though the repo's users name it (so only `can` refuses),
    // and nothing happens: the build runs on and no rebuild is queued.
    const before = (web as WebApp).app.service.listBuilds().length;
    for (const action of ["rebuild", "stop"]) {
      const refused = await post(action, READER);
      expect(refused.statusCode, action).toBe(403);
      expect(refused.json()).toMatchObject({
        error: "NOT_PERMITTED",
        message: expect.stringContaining(`adds ${action} to api.tokens.reader.can`),
      });
    }
    expect((web as WebApp).build(build.id).status).toBe("running");
    expect((web as WebApp).app.service.listBuilds()).toHaveLength(before);
    // A rebuild of a running build's commit is that build (deduplicated as the button is).
    const same = await post("rebuild", DEPLOYER);
    expect(same.statusCode).toBe(200);
    expect(same.json()).toMatchObject({ duplicate: true, build: { id: build.id } });
    // A token that may stop, and may build the branch, stops someone else's build.
    const stopped = await post("stop", DEPLOYER);
    expect(stopped.statusCode).toBe(202);
    const after = await (web as WebApp).waitForStatus(build.id, (b) => b.status === "cancelled");
    expect(after.status).toBe("cancelled");
  });

  it("a rebuild is requested by the token's name from the pseudo-channel web, which an allow-list must name", async () => {
    const { build, client } = await start({
      read: "public",
      extra: { access: { channels: ["ci"] } },
    });
    const refused = await client.inject({
      method: "POST",
      url: `/api/builds/${build.id}/rebuild`,
      headers: bearer(DEPLOYER),
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      error: "CHANNEL_NOT_ALLOWED",
      message: expect.stringContaining('API rebuilds count as the channel "web"'),
    });
    await (web as WebApp).close();
    web = null;
    const next = await start({
      read: "public",
      extra: { access: { channels: ["ci", "web"] } },
    });
    const made = await next.client.inject({
      method: "POST",
      url: `/api/builds/${next.build.id}/rebuild`,
      headers: bearer(DEPLOYER),
    });
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({
      duplicate: false,
      build: {
        requester: "deployer",
        requesterId: "api:deployer",
        channelName: "web",
        rebuildOf: next.build.id,
      },
    });
  });

  it("a signed-in browser cannot rebuild or stop over the API: only a token can", async () => {
    const { build, client } = await start(
      { read: "signed_in", users: { alice: "pw-alice" }, commands: WAITING },
      "running",
    );
    const cookie = await client.signIn("alice", "pw-alice");
    for (const action of ["rebuild", "stop"]) {
      const answer = await client.inject({
        method: "POST",
        url: `/api/builds/${build.id}/${action}`,
        headers: { cookie, origin: WEB_ORIGIN },
      });
      expect(answer.statusCode, action).toBe(401);
      expect(answer.json()).toMatchObject({ error: "API_TOKEN_INVALID" });
    }
    expect((web as WebApp).build(build.id).status).toBe("running");
  });
});

describe("tokens in the service log", () => {
  it.each([
    ["a logger that writes request headers (the leak this guards against)", false],
    ["the service's logger", true],
  ])("with %s: neither a valid nor a wrong token is ever written", async (_what, safe) => {
    const { web } = await start({ read: "signed_in", users: { bob: "pw-bob" } });
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk, _encoding, done) => {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = safe
      ? createLogger("trace", knownSecrets(web.app.config), sink)
      : pino(
          { level: "trace", serializers: { req: (r: { headers: unknown }) => ({ headers: r.headers }) } },
          sink,
        );
    const server = Fastify({ loggerInstance: logger });
    await server.register(webRoutes, {
      service: web.app.service,
      config: web.app.config,
      logs: fileLogStreamSource(web.app.local.logs),
      secrets: knownSecrets(web.app.config),
    });
    const wrong = "wrong-token-that-is-not-a-configured-secret-42";
    try {
      expect((await server.inject({ url: "/api/builds", headers: bearer(READER) })).statusCode).toBe(200);
      expect((await server.inject({ url: "/api/builds", headers: bearer(wrong) })).statusCode).toBe(401);
      const rebuilt = await server.inject({
        method: "POST",
        url: "/api/builds/1/rebuild",
        headers: bearer(DEPLOYER),
      });
      expect(rebuilt.statusCode).toBe(201);
    } finally {
      await server.close();
    }
    const log = lines.join("");
    expect(log).toContain("API token refused");
    const leaked = [READER, DEPLOYER, wrong].filter((token) => log.includes(token));
    if (safe) {
      expect(log).toContain("rebuild requested over the API");
      expect(log).toContain('"apiToken":"deployer"');
      expect(leaked).toEqual([]);
    } else expect(leaked).not.toEqual([]);
  });
});
