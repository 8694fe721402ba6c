import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fileLogStreamSource } from "../../../src/web/log/file-log-stream-source.js";
import { SIGN_IN_PATHS } from "../../../src/web/read-gate.js";
import { webRoutes } from "../../../src/web/web-routes.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { FakeOAuthProvider } from "../../fakes/fake-mattermost-oauth.js";
import { launchBrowser, type TestBrowser } from "../../helpers/browser.js";
import { freePort } from "../../helpers/service-process.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * Sign in with Mattermost end to end in chromium: slashbuild's sign-in page, Mattermost's login
 * and authorize (the fake, over loopback), the callback, and the signed-in page. The browser does
 * every redirect and carries every cookie itself.
 */

let browser: TestBrowser;
let web: WebApp | null = null;
let mattermost: FakeMattermost | null = null;
let server: FastifyInstance | null = null;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser.close();
});

afterEach(async () => {
  await server?.close();
  server = null;
  await web?.close();
  await mattermost?.close();
  web = null;
  mattermost = null;
});

describe("sign in with Mattermost in chromium", () => {
  it("goes to Mattermost, logs in there, and comes back signed in as that Mattermost user", async () => {
    mattermost = await FakeMattermost.start();
    const provider = new FakeOAuthProvider(mattermost);
    provider.addUser("alice", "alice-mm-password");
    const port = await freePort();
    const app = provider.addApp([`http://127.0.0.1:${port}/login/mattermost/callback`]);
    web = await WebApp.start({
      port,
      webExtra: {
        mattermost_sign_in: { url: mattermost.url, client_id: app.clientId, client_secret: app.clientSecret },
      },
    });
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.status === "succeeded");

    const page = await browser.newPage();
    try {
      await page.goto(`${web.url}/builds/${build.id}`);
      await page.click("text=Sign in");
      await page.click("#sign-in-mattermost");
      // Mattermost's login page (the fake's stand-in for its web app).
      await page.waitForURL(`${mattermost.url}/login?**`);
      await page.fill('input[name="login_id"]', "alice");
      await page.fill('input[name="password"]', "alice-mm-password");
      await page.click('button[type="submit"]');
      await page.waitForURL(`${web.url}/`);
      expect(await page.textContent(".who strong")).toBe("alice");
      expect(provider.exchanges.map((e) => e.status)).toEqual([200]);
      // Signed in, the build page offers the actions a signed-in user has.
      await page.goto(`${web.url}/builds/${build.id}`);
      expect(await page.locator('form[action$="/rebuild"] button').count()).toBe(1);
    } finally {
      await page.close();
    }
  });
});

/**
 * Issue 18: under the default `web.read: signed_in`, sign-in with Mattermost did not work. The read
 * gate let anyone GET only /login, so /login/mattermost and Mattermost's callback were sent back to
 * /login, forever. The same browser flow, in a config that says nothing about web.read and has no
 * passwords, with the gate's open paths as they were (only /login) and as they are.
 */
describe("sign in with Mattermost under the default web.read (signed_in), in chromium", () => {
  it.each([
    { open: "only /login (before)", paths: new Set(["/login"]), signsIn: false },
    { open: "every sign-in path (now)", paths: SIGN_IN_PATHS, signsIn: true },
  ])("with the read gate opening $open", async ({ paths, signsIn }) => {
    mattermost = await FakeMattermost.start();
    const provider = new FakeOAuthProvider(mattermost);
    provider.addUser("alice", "alice-mm-password");
    const port = await freePort();
    const app = provider.addApp([`http://127.0.0.1:${port}/login/mattermost/callback`]);
    web = await WebApp.start({
      port,
      listen: false,
      commands: ["echo visible-to-alice"],
      // The whole web: section, so web.read is the default.
      extra: {
        web: {
          mattermost_sign_in: {
            url: mattermost.url,
            client_id: app.clientId,
            client_secret: app.clientSecret,
          },
        },
      },
    });
    expect(web.app.config.web.read).toBe("signed_in");
    server = Fastify();
    await server.register(webRoutes, {
      service: web.app.service,
      config: web.app.config,
      logs: fileLogStreamSource(web.app.local.logs),
      openPaths: paths,
    });
    await server.listen({ port, host: "127.0.0.1" });
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.status === "succeeded");

    const page = await browser.newPage();
    try {
      await page.goto(`${web.url}/builds/${build.id}`);
      await page.waitForURL(`${web.url}/login?**`);
      await page.click("#sign-in-mattermost");
      if (!signsIn) {
        // Bounced back to slashbuild's sign-in page; Mattermost never saw the browser.
        await page.waitForURL(`${web.url}/login?next=%2Flogin%2Fmattermost**`);
        expect(await page.locator("#sign-in-mattermost").count()).toBe(1);
        expect(provider.exchanges).toEqual([]);
        return;
      }
      await page.waitForURL(`${mattermost.url}/login?**`);
      await page.fill('input[name="login_id"]', "alice");
      await page.fill('input[name="password"]', "alice-mm-password");
      await page.click('button[type="submit"]');
      // Back through the callback, signed in, on the page first asked for.
      await page.waitForURL(`${web.url}/builds/${build.id}`);
      expect(await page.textContent(".who strong")).toBe("alice");
      expect(await page.textContent("main")).toContain("visible-to-alice");
      expect(provider.exchanges.map((e) => e.status)).toEqual([200]);
    } finally {
      await page.close();
    }
  });
});
