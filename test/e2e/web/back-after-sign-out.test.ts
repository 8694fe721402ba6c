import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../../helpers/browser.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * Issue 18: pages that need sign-in were sent without Cache-Control, so the browser kept them. The
 * attack, in a real chromium: someone signs in on a shared computer, reads a build's log, signs
 * out and leaves; the next person presses Back and reads the log. The same test runs against the
 * service as it is (`private, no-store` on every page) and through a proxy that only removes
 * Cache-Control from the answers (the defence off), where the log shows again. Every route's header
 * is checked in test/integration/web/cache-headers.test.ts.
 */

const SECRET_LINE = "only-for-signed-in-eyes";

/** An HTTP proxy that forwards everything unchanged except that it drops Cache-Control from answers. */
async function withoutCacheControl(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = http.createServer((request, response) => {
    const forwarded = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (answer) => {
        const { "cache-control": _dropped, ...headers } = answer.headers;
        response.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(response);
      },
    );
    forwarded.on("error", () => response.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let browser: TestBrowser;
let web: WebApp | null = null;
let proxy: { url: string; close(): Promise<void> } | null = null;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser.close();
});

afterEach(async () => {
  await proxy?.close();
  await web?.close();
  proxy = null;
  web = null;
});

describe("Back after signing out, in chromium", () => {
  it.each([
    { defence: "on (private, no-store)", stripped: false },
    { defence: "off (Cache-Control removed on the way)", stripped: true },
  ])(
    "with the defence $defence",
    async ({ stripped }) => {
      web = await WebApp.start({
        read: "signed_in",
        users: { bob: "pw-bob" },
        commands: [`echo ${SECRET_LINE}`],
      });
      const build = await web.requestBuild();
      await web.waitForStatus(build.id, (b) => b.status === "succeeded");
      proxy = stripped ? await withoutCacheControl(web.url) : null;
      const base = proxy?.url ?? web.url;

      const page = await browser.newPage();
      try {
        await page.goto(`${base}/builds/${build.id}`);
        await page.waitForURL(`${base}/login?**`);
        await page.fill('input[name="user"]', "bob");
        await page.fill('input[name="password"]', "pw-bob");
        await page.click('form.login button[type="submit"]');
        await page.waitForURL(`${base}/builds/${build.id}`);
        expect(await page.textContent("main")).toContain(SECRET_LINE);

        await page.click('form[action="/logout"] button');
        await page.waitForURL(`${base}/login?**`);
        // The next person at the keyboard.
        await page.goBack();
        await page.waitForLoadState();
        const shown = (await page.textContent("body")) ?? "";
        if (stripped) {
          expect(page.url()).toBe(`${base}/builds/${build.id}`);
          expect(shown).toContain(SECRET_LINE);
        } else {
          expect(shown).not.toContain(SECRET_LINE);
          expect(page.url()).toContain("/login?next=");
        }
      } finally {
        await page.close();
      }
    },
    120_000,
  );
});
