import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
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

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser.close();
});

afterEach(async () => {
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
