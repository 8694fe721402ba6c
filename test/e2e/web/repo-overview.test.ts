import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../../helpers/browser.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * The repo overview (issue 21) in Debian's chromium, at a phone's width and a desktop's: real builds
 * (main passes, a feature branch with a long name fails), the branch table readable without
 * sideways scrolling, the badge drawn, and a verdict opening its build.
 */

const LONG = "feature/a-branch-name-long-enough-to-push-a-phone-screen-sideways";

/** Measured in the page (serialized: it casts globalThis itself, the tests have no DOM types). */
interface Box {
  scrollWidth: number;
  clientWidth: number;
}
interface Dom {
  documentElement: Box;
  querySelector(selector: string): (Box & { naturalWidth?: number; complete?: boolean }) | null;
}
interface Win {
  innerWidth: number;
  getComputedStyle(element: unknown): { display: string };
}

let browser: TestBrowser;
let web: WebApp;
beforeAll(async () => {
  browser = await launchBrowser();
  web = await WebApp.start({
    read: "public",
    commands: ['test "$SLASHBUILD_BRANCH" = main'],
    repoExtra: { public_badge: true },
  });
  await web.repo.createBranch(LONG);
  const failing = await web.requestBuild(LONG);
  await web.waitForStatus(failing.id, (b) => b.status === "failed");
  const main = await web.requestBuild("main");
  await web.waitForStatus(main.id, (b) => b.status === "succeeded");
}, 120_000);
afterAll(async () => {
  await web?.close();
  await browser?.close();
});

describe("the repo overview in chromium", () => {
  it.each([
    ["phone", 390, 844],
    ["desktop", 1280, 900],
  ])(
    "at a %s's width: branches with verdicts, no sideways scrolling, the badge drawn",
    async (_what, width, height) => {
      const page = await browser.newPage(width, height);
      await page.goto(`${web.url}/repos/app`);
      expect(await page.textContent("h1")).toBe("app");
      const branches = page.locator("table").first().locator("tbody tr");
      expect(await branches.count()).toBe(2);
      expect(await branches.nth(0).textContent()).toMatch(/main\s*default.*succeeded/s);
      expect(await branches.nth(1).textContent()).toMatch(/failed/);
      await page.waitForFunction(() => {
        const img = (globalThis as unknown as { document: Dom }).document.querySelector("img");
        return img?.complete === true;
      });
      const measured = await page.evaluate(() => {
        const { document, innerWidth, getComputedStyle } = globalThis as unknown as Win & { document: Dom };
        const wrap = document.querySelector(".table-wrap") as Box;
        const wide = document.querySelector("th.wide");
        return {
          page: document.documentElement.scrollWidth,
          viewport: innerWidth,
          table: wrap.scrollWidth - wrap.clientWidth,
          badge: document.querySelector("img")?.naturalWidth ?? 0,
          wideShown: wide ? getComputedStyle(wide).display !== "none" : false,
        };
      });
      expect(measured.page).toBeLessThanOrEqual(measured.viewport);
      expect(measured.table).toBeLessThanOrEqual(0);
      expect(measured.badge).toBeGreaterThan(50);
      // Phones fold the secondary columns away; desktops show them.
      expect(measured.wideShown).toBe(width > 800);
      // A verdict opens its build.
      await branches.nth(1).locator("a.muted").click();
      await page.waitForURL(/\/builds\/\d+$/);
      expect(await page.textContent("h1")).toContain("Build #");
      await page.close();
    },
  );
});
