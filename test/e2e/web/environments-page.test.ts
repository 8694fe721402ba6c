import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { FakeOAuthProvider } from "../../fakes/fake-mattermost-oauth.js";
import { launchBrowser, type TestBrowser } from "../../helpers/browser.js";
import { freePort } from "../../helpers/service-process.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * Issue 20 in chromium: an approver signs in with Mattermost, opens the repo's environments page,
 * approves the waiting deploy with its button, and the page then shows the deploy running and the
 * revision deployed, with who approved it. The browser carries the session, the CSRF token and
 * every redirect itself.
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

describe("the environments page in chromium", () => {
  it("an approver signs in with Mattermost and approves; the page shows the deploy and who approved it", async () => {
    mattermost = await FakeMattermost.start();
    const provider = new FakeOAuthProvider(mattermost);
    const alice = provider.addUser("alice");
    provider.addUser("bob", "bob-mm-password");
    const port = await freePort();
    const oauth = provider.addApp([`http://127.0.0.1:${port}/login/mattermost/callback`]);
    web = await WebApp.start({
      port,
      commands: ["true"],
      webExtra: {
        mattermost_sign_in: {
          url: mattermost.url,
          client_id: oauth.clientId,
          client_secret: oauth.clientSecret,
        },
      },
      repoExtra: {
        deploy: {
          commands: ['echo "to $SLASHBUILD_ENVIRONMENT"'],
          environments: {
            staging: { branches: ["main"] },
            production: { branches: ["main"], approvals: 1, approvers: ["bob"] },
          },
        },
      },
    });
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.status === "succeeded");
    const { deploy } = web.app.deploys.request({
      repo: "app",
      environment: "production",
      target: null,
      user: { id: alice.id, name: "alice" },
      channel: { id: "chan-ci", name: "ci" },
    });

    const page = await browser.newPage();
    try {
      await page.goto(`${web.url}/environments/app`);
      const production = page.locator("#env-production");
      expect(await production.locator(".status").first().textContent()).toBe("waiting for approval");
      expect(await page.locator("#env-staging dd").first().textContent()).toBe("nothing yet");
      await production.locator("text=Sign in to approve or reject").click();
      await page.click("#sign-in-mattermost");
      await page.waitForURL(`${mattermost.url}/login?**`);
      await page.fill('input[name="login_id"]', "bob");
      await page.fill('input[name="password"]', "bob-mm-password");
      await page.click('button[type="submit"]');
      await page.waitForURL(`${web.url}/environments/app`);

      await page.click(`button:has-text("Approve #${deploy.buildId}")`);
      await page.waitForURL(`${web.url}/environments/app#env-production`);
      await web.waitForStatus(deploy.buildId, (b) => b.status === "succeeded", "the deploy");
      await page.reload();
      const facts = await production.locator("dl.facts").textContent();
      expect(facts).toContain("Approved by@bob (web)");
      expect(facts).toContain("Requested by@alice");
      expect(facts).toContain(`by deploy #${deploy.buildId}`);
      expect(await production.locator("tbody tr").first().textContent()).toContain("succeeded");
      // The deploy's link opens its build page, which says where it deployed to.
      await production.locator(`tbody a[href="/builds/${deploy.buildId}"]`).click();
      expect(await page.locator(".deployed-to").textContent()).toBe("Deploy to production.");
    } finally {
      await page.close();
    }
  });
});
