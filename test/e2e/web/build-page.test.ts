import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decodeTimeRecords, lineTimes } from "../../../src/core/log-times.js";
import { launchBrowser, type TestBrowser } from "../../helpers/browser.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * Issue 21 item 2 in a real chromium (Debian's, through playwright-core), at a desktop and a phone
 * size: a failed build's page opens on its failed step at the first error, with error lines marked
 * and passed steps folded; the search box finds lines the page never loaded; times are the
 * viewer's. The viewer is in Kolkata (UTC+5:30), so a time shown in UTC would not pass.
 */

const ZONE = "Asia/Kolkata";
const LOCALE = "en-GB";
const SIZES = [
  ["desktop", 1280, 900],
  ["phone", 390, 844],
] as const;

/** Serialized into the page: the tests' tsconfig has no DOM types. */
type El = { open: boolean; className: string; getBoundingClientRect(): { top: number; bottom: number } };
type Win = {
  document: { documentElement: { scrollWidth: number } };
  innerWidth: number;
  innerHeight: number;
  scrollY: number;
  getComputedStyle(el: unknown, pseudo: string): { content: string };
};

let browser: TestBrowser;
let web: WebApp | null = null;

beforeAll(async () => {
  browser = await launchBrowser({ timezoneId: ZONE, locale: LOCALE });
});

afterAll(async () => {
  await browser.close();
});

afterEach(async () => {
  await web?.close();
  web = null;
});

const isOpen = (page: Page, step: number) => page.$eval(`#step-${step}`, (d) => (d as unknown as El).open);

async function inView(page: Page, selector: string): Promise<boolean> {
  return page.$eval(selector, (el) => {
    const box = (el as unknown as El).getBoundingClientRect();
    return box.top >= 0 && box.bottom <= (globalThis as unknown as Win).innerHeight;
  });
}

async function failedBuild(commands: string[]): Promise<number> {
  web = await WebApp.start({ commands });
  const build = await web.requestBuild();
  await web.waitForStatus(build.id, (b) => b.status === "failed");
  return build.id;
}

describe("a failed build's page in chromium", () => {
  for (const [label, width, height] of SIZES) {
    it(`opens on the failed step at its first error, errors marked, passed steps folded (${label})`, async () => {
      const id = await failedBuild([
        "seq 1 200",
        "seq 1 150; echo 'error: expected 3 rows, got 2'; seq 152 400; echo 'Tests: 1 failed'; exit 1",
        "echo never",
      ]);
      const page = await browser.newPage(width, height);
      await page.goto(`${web?.url}/builds/${id}`);
      await page.waitForSelector("#L2-151.hl");
      expect([await isOpen(page, 1), await isOpen(page, 2), await isOpen(page, 3)]).toEqual([
        false,
        true,
        false,
      ]);
      expect(await page.textContent("#L2-151 > span")).toBe("error: expected 3 rows, got 2");
      // Marked as the page loads, without a click: the first error and the summary line.
      expect(
        await page.$$eval(".ln.err", (rows) => rows.map((r) => (r as unknown as { id: string }).id)),
      ).toEqual(["L2-151", "L2-401"]);
      await page.waitForFunction(() => (globalThis as unknown as Win).scrollY > 0);
      expect(await inView(page, "#L2-151")).toBe(true);
      // Nothing is wider than the screen.
      expect(
        await page.evaluate(() => {
          const w = globalThis as unknown as Win;
          return w.document.documentElement.scrollWidth <= w.innerWidth;
        }),
      ).toBe(true);
      // The folded step's log comes when it is opened.
      expect(await page.$("#L1-1")).toBeNull();
      await page.click("#step-1 > summary");
      await page.waitForSelector("#L1-200");
      await page.close();
    });
  }

  it("finds with the search box a line the page never loaded, and opens it, in a folded step too", async () => {
    const id = await failedBuild([
      "echo 'the needle in a passed step'",
      "i=1; while [ $i -le 5000 ]; do if [ $i = 12 ]; then echo needle-12; else echo hay $i; fi; i=$((i+1)); done; echo 'error: at the end'; exit 1",
    ]);
    const page = await browser.newPage();
    await page.goto(`${web?.url}/builds/${id}`);
    await page.waitForSelector("#L2-5001.hl");
    expect(await page.$("#L2-12")).toBeNull();
    await page.fill("#log-q", "NEEDLE");
    await page.click("#log-search button[type=submit]");
    await page.waitForSelector("#search-results .search-head:has-text('2 lines with')");
    const hits = await page.$$eval("#search-results .hits a", (links) =>
      links.map((a) => (a as unknown as { textContent: string }).textContent),
    );
    expect(hits).toEqual(["Step 1, line 1the needle in a passed step", "Step 2, line 12needle-12"]);
    expect(await page.textContent("#search-results .hits li:nth-child(2) mark")).toBe("needle");

    await page.click("#search-results .hits li:nth-child(2) a");
    await page.waitForSelector("#L2-12.hl");
    expect(await page.textContent("#L2-12 > span")).toBe("needle-12");
    expect(await inView(page, "#L2-12")).toBe(true);
    await page.click("#search-results .hits li:nth-child(1) a");
    await page.waitForSelector("#L1-1.hl");
    expect(await isOpen(page, 1)).toBe(true);
    await page.close();
  });

  it("shows when each line arrived, and every time, in the viewer's own time zone", async () => {
    const id = await failedBuild(["echo first; echo second; echo 'fatal: third'; exit 3"]);
    const build = web?.build(id);
    const records = decodeTimeRecords(await readFile(web?.app.local.logs.timesPathFor(id, 0) ?? ""));
    const text = await readFile(web?.logPath(id, 0) ?? "", "utf8");
    const starts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index + 1)].slice(0, 3);
    const clock = new Intl.DateTimeFormat(LOCALE, {
      timeZone: ZONE,
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    const expected = lineTimes(records, starts).map((t) => (t ? `"${clock.format(new Date(t))}"` : '""'));

    const page = await browser.newPage();
    await page.goto(`${web?.url}/builds/${id}`);
    await page.waitForSelector("#L1-3");
    const shown = () =>
      page.$$eval("#step-1 .ln", (rows) =>
        rows.map((row) => (globalThis as unknown as Win).getComputedStyle(row, "::before").content),
      );
    expect(await shown()).toEqual(["none", "none", "none"]);
    await page.check("#show-times");
    expect(await shown()).toEqual(expected);
    expect(expected[0]).not.toBe('""');
    // Remembered: the next page opens with times shown.
    await page.reload();
    await page.waitForSelector("#logs.show-times #L1-3");

    // Times in the header: relative, the exact time in Kolkata on hover; UTC only without scripts.
    const finished = build?.finishedAt ?? 0;
    const exact = new Intl.DateTimeFormat(LOCALE, { dateStyle: "full", timeStyle: "long", timeZone: ZONE });
    const time = page.locator("#summary dd time").last();
    expect(await time.getAttribute("title")).toBe(exact.format(new Date(finished)));
    expect(await time.textContent()).toMatch(/ago|now/);
    await page.close();
  });
});
