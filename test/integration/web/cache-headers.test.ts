import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { fileLogStreamSource } from "../../../src/web/log/file-log-stream-source.js";
import { webRoutes } from "../../../src/web/web-routes.js";
import { WebApp } from "../../helpers/web-app.js";
import { webClient } from "../../helpers/web-inject.js";

/**
 * Issue 18: pages, raw logs and API answers that need sign-in were sent without Cache-Control, so a
 * caching proxy could hand them to anyone and a browser kept them after sign-out (the attack in a
 * real browser: test/e2e/web/back-after-sign-out.test.ts). Every GET route the web UI registers is
 * read from Fastify's route table as webRoutes registers it, so a route added later is checked
 * without anyone listing it here: each answers `private, no-store`, signed in or not, page or API.
 * Only the content-hashed assets may be kept, and badges, briefly (the same for everyone).
 */

let web: WebApp | null = null;
let server: FastifyInstance | null = null;
afterEach(async () => {
  await server?.close();
  await web?.close();
  server = null;
  web = null;
});

describe("Cache-Control on the web UI's answers", () => {
  it.each(["signed_in", "public"] as const)(
    "every GET route answers private, no-store (web.read: %s); only assets are kept",
    async (read) => {
      web = await WebApp.start({ read, users: { bob: "pw-bob" }, commands: ["echo a-line"] });
      const build = await web.requestBuild();
      await web.waitForStatus(build.id, (b) => b.status === "succeeded");

      const routes: RouteOptions[] = [];
      server = Fastify();
      server.addHook("onRoute", (route) => {
        routes.push(route);
      });
      await server.register(webRoutes, {
        service: web.app.service,
        config: web.app.config,
        logs: fileLogStreamSource(web.app.local.logs),
      });
      await server.ready();
      const client = webClient(server);
      const cookie = await client.signIn("bob", "pw-bob");

      const gets = routes.filter((r) => [r.method].flat().includes("GET"));
      // The table really is read: the routes this issue is about are in it.
      const urls = gets.map((r) => r.url);
      for (const known of [
        "/",
        "/builds/:id",
        "/api/builds/:id",
        "/api/builds",
        "/repos/:repo",
        "/badge/:repo/*",
        "/builds/:id/steps/:step/raw",
        "/login",
      ]) {
        expect(urls).toContain(known);
      }
      const checked: string[] = [];
      for (const route of gets) {
        const url = route.url
          .replace(":id", String(build.id))
          .replace(":step", "1")
          .replace(":repo", "app")
          .replace("*", "main.svg");
        for (const method of ["GET", "HEAD"] as const) {
          for (const headers of [{}, { cookie }, { accept: "text/html" }, { cookie, accept: "text/html" }]) {
            const answer = await client.inject({ method, url, headers });
            const what = `${method} ${url} ${JSON.stringify(headers)} → ${answer.statusCode}`;
            if (url.startsWith("/assets/")) {
              expect(answer.headers["cache-control"], what).toBe("public, max-age=31536000, immutable");
            } else if (url.startsWith("/badge/")) {
              // Badges are the same for everyone (badge-routes.ts): a proxy may keep them a minute.
              expect(answer.headers["cache-control"], what).toBe("public, max-age=60");
            } else {
              expect(answer.headers["cache-control"], what).toBe("private, no-store");
            }
            checked.push(what);
          }
        }
      }
      // Signed in, each page, log and API answer was really read (not only refused).
      expect(checked.filter((c) => c.includes("cookie") && c.endsWith("→ 200")).length).toBeGreaterThan(20);
    },
    60_000,
  );
});
