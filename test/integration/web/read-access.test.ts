import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { fileLogStreamSource } from "../../../src/web/log/file-log-stream-source.js";
import { SIGN_IN_PATHS } from "../../../src/web/read-gate.js";
import { webRoutes } from "../../../src/web/web-routes.js";
import { WebApp, type WebAppOptions } from "../../helpers/web-app.js";
import { webClient } from "../../helpers/web-inject.js";

/**
 * Issue 8, item 7: who can read builds. The attack: anyone who reached the port read every log and
 * /api/builds/N with its Mattermost user and channel ids. `web.read: signed_in` (the default) keeps
 * all of it behind sign-in; `public` shows it to anyone (the attack then succeeds, shown below),
 * but never the internal ids.
 */

let web: WebApp | null = null;
let server: FastifyInstance | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  await web?.close();
  web = null;
});

async function start(options: WebAppOptions) {
  web = await WebApp.start({ commands: ["echo the-log-line"], ...options });
  const build = await web.requestBuild();
  await web.waitForStatus(build.id, (b) => b.status === "succeeded");
  return { web, build, client: webClient(web) };
}

const READS = (id: number) => [
  "/",
  `/builds/${id}`,
  `/api/builds/${id}`,
  `/builds/${id}/steps/1/raw`,
  `/builds/${id}/steps/1/lines`,
  `/builds/${id}/first-error`,
  `/builds/${id}/events`,
];

describe("web.read", () => {
  it("signed_in (the default): anonymous reads get the sign-in page or 401; signed-in users read all", async () => {
    const { build, client } = await start({ read: "signed_in", users: { bob: "pw-bob" } });
    for (const url of READS(build.id)) {
      const api = await client.inject({ url });
      expect(api.statusCode, url).toBe(401);
      expect(api.json(), url).toMatchObject({ error: "SIGN_IN_REQUIRED" });
      expect(api.body).not.toContain("the-log-line");
      const page = await client.inject({ url, headers: { accept: "text/html" } });
      expect(page.statusCode, url).toBe(303);
      expect(page.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
    }
    const login = await client.inject({ url: "/login" });
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain("shows them to signed-in users only");

    const cookie = await client.signIn("bob", "pw-bob");
    const raw = await client.inject({ url: `/builds/${build.id}/steps/1/raw`, headers: { cookie } });
    expect(raw.body).toContain("the-log-line");
    const api = await client.inject({ url: `/api/builds/${build.id}`, headers: { cookie } });
    expect(api.json()).toMatchObject({ requesterId: "uid-alice", channelId: "chan-ci" });
  });

  it("is the default in a config that does not say", async () => {
    const { build, client } = await start({ extra: { web: {} } });
    expect((await client.inject({ url: `/api/builds/${build.id}` })).statusCode).toBe(401);
    // Nobody can sign in: the page says why sign-in is needed and how to set it up.
    const login = await client.inject({ url: "/login" });
    expect(login.statusCode).toBe(401);
    expect(login.body).toContain("shows them to signed-in users only");
    expect(login.body).toContain("web.read: public");
  });

  it("public: anyone reads builds and logs, but anonymous answers carry no Mattermost ids", async () => {
    const { build, client } = await start({ read: "public" });
    const raw = await client.inject({ url: `/builds/${build.id}/steps/1/raw` });
    expect(raw.statusCode).toBe(200);
    expect(raw.body).toContain("the-log-line");
    const api = await client.inject({ url: `/api/builds/${build.id}` });
    expect(api.statusCode).toBe(200);
    expect(api.json()).toMatchObject({ id: build.id, repo: "app", requester: "alice" });
    expect(api.body).not.toContain("uid-alice");
    expect(api.body).not.toContain("chan-ci");
  });

  it("signed_in: every GET route refuses anonymous readers except the sign-in flows, the assets and badges", async () => {
    const { build } = await start({
      read: "signed_in",
      users: { bob: "pw-bob" },
      webExtra: { mattermost_sign_in: { url: "http://127.0.0.1:9", client_id: "c", client_secret: "s" } },
    });
    const app = web as WebApp;
    // The route table as webRoutes registers it: a route added later is checked without being listed.
    const routes: RouteOptions[] = [];
    server = Fastify();
    server.addHook("onRoute", (route) => {
      routes.push(route);
    });
    await server.register(webRoutes, {
      service: app.app.service,
      config: app.app.config,
      logs: fileLogStreamSource(app.app.local.logs),
    });
    await server.ready();
    const open: string[] = [];
    for (const route of routes.filter((r) => [r.method].flat().includes("GET"))) {
      const url = route.url
        .replace(":id", String(build.id))
        .replace(":step", "1")
        .replace(":repo", "app")
        .replace("*", "main.svg");
      const api = await server.inject({ url });
      const page = await server.inject({ url, headers: { accept: "text/html" } });
      const refused =
        api.statusCode === 401 && page.statusCode === 303 && page.headers.location?.startsWith("/login?");
      if (!refused) open.push(route.url);
      expect(api.body, url).not.toContain("the-log-line");
    }
    // Badges answer anyone, and for a repo without public_badge they say nothing (badges.test.ts).
    expect(open.filter((url) => !url.startsWith("/assets/")).sort()).toEqual(
      [...SIGN_IN_PATHS, "/badge/:repo/*"].sort(),
    );
    expect((await server.inject({ url: "/badge/app/main.svg" })).body).toContain("build: unknown");
    // The stylesheet, the build page's script and every page's local-times script.
    expect(open.filter((url) => url.startsWith("/assets/"))).toHaveLength(3);
  });
});
