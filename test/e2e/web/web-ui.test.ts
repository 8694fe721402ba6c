import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeNewBuild } from "../../fakes/make-build.js";
import { DropProxy, launchBrowser, type TestBrowser } from "../../helpers/browser.js";
import { waitFor } from "../../helpers/service-process.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * The web UI in a real browser (Debian's chromium through playwright-core) against the whole
 * service built in-process on real git repositories. Waits are for conditions, never for time.
 */

let browser: TestBrowser;
let web: WebApp | null = null;
let proxy: DropProxy | null = null;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser.close();
});

afterEach(async () => {
  await proxy?.close();
  proxy = null;
  await web?.close();
  web = null;
});

/**
 * The page's document, typed for functions playwright runs in the browser: they are serialized, so
 * they cast globalThis themselves (string expressions would need eval, which the pages' CSP
 * rightly forbids; the tests' tsconfig has no DOM types).
 */
interface Dom {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): { textContent: string | null } | null;
}

const gate = (name: string) => `while [ ! -f "$GATE/${name}" ]; do sleep 0.05; done`;

async function open(name: string): Promise<void> {
  await writeFile(path.join(web?.gate ?? "", name), "");
}

async function lineTexts(page: Page, step: number): Promise<string[]> {
  return page.$$eval(`#step-${step} .ln > span`, (spans) => spans.map((s) => s.textContent ?? ""));
}

describe("the web UI in chromium", () => {
  it("lists builds newest first and each row opens its page", async () => {
    web = await WebApp.start({ commands: ["echo hello"] });
    const first = await web.requestBuild();
    await web.waitForStatus(first.id, (b) => b.status === "succeeded");
    const second = await web.requestBuild();
    await web.waitForStatus(second.id, (b) => b.status === "succeeded");

    const page = await browser.newPage();
    await page.goto(web.url);
    const numbers = await page.$$eval("tbody tr td:first-child a", (links) =>
      links.map((a) => a.textContent),
    );
    expect(numbers).toEqual([`#${second.id}`, `#${first.id}`]);
    expect(await page.textContent("tbody tr:first-child .status")).toContain("succeeded");

    await page.click(`a[href="/builds/${first.id}"] >> nth=0`);
    await page.waitForURL(`**/builds/${first.id}`);
    expect(await page.textContent("#summary h1")).toContain(`Build #${first.id}`);
    expect(await lineTexts(page, 1)).toEqual(["hello"]);
    await page.close();
  });

  it("shows a running build's lines as they arrive, without reloading", async () => {
    web = await WebApp.start({
      commands: [`echo first; ${gate("a")}; echo second; ${gate("b")}; printf '\\033[32mthird\\033[0m\\n'`],
    });
    const build = await web.requestBuild();
    const logFile = web.logPath(build.id, 0);
    await waitFor(
      "the first line",
      async () => (await readFile(logFile, "utf8").catch(() => "")) === "first\n",
    );

    const page = await browser.newPage();
    await page.goto(`${web.url}/builds/${build.id}`);
    await page.waitForSelector("#L1-1");
    await page.evaluate("window.__samePage = true");

    await open("a");
    await page.waitForSelector("#L1-2");
    expect(await lineTexts(page, 1)).toEqual(["first", "second"]);

    await open("b");
    await page.waitForSelector("#summary .s-succeeded");
    await page.waitForSelector("#L1-3");
    expect(await lineTexts(page, 1)).toEqual(["first", "second", "third"]);
    // The colour arrived as a class, and the page was never reloaded.
    expect(await page.getAttribute("#L1-3 span span", "class")).toBe("a-f2");
    expect(await page.evaluate("window.__samePage")).toBe(true);
    await page.close();
  });

  it("tells what became of a step that had no output yet when the page was opened, once the build ends", async () => {
    web = await WebApp.start({ commands: [`${gate("a")}; exit 1`, "echo never"] });
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.steps[0]?.status === "running");

    const page = await browser.newPage();
    await page.goto(`${web.url}/builds/${build.id}`);
    expect(await page.textContent("#step-2 .empty")).toBe("Not started yet.");
    await page.evaluate("window.__samePage = true");

    await open("a");
    await page.waitForSelector("#summary .s-failed");
    // Live, without a reload: the step that never ran says so, the one that ran silent too.
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: Dom }).document.querySelector("#step-2 .empty")?.textContent !==
        "Not started yet.",
    );
    expect(await page.textContent("#step-2 .empty")).toBe("Skipped: the build ended before this step.");
    expect(await page.textContent("#step-1 .empty")).toBe("No output.");
    expect(await page.evaluate("window.__samePage")).toBe(true);
    await page.close();
  });

  it("offers Stop only after sign-in, and Stop cancels the build", async () => {
    web = await WebApp.start({
      commands: [`echo started; ${gate("never")}`],
      users: { bob: "correct horse" },
    });
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.steps[0]?.status === "running");

    const page = await browser.newPage();
    await page.goto(`${web.url}/builds/${build.id}`);
    expect(await page.$("button:has-text('Stop build')")).toBeNull();
    await page.click("text=Sign in to stop or rebuild");
    await page.fill("input[name=user]", "bob");
    await page.fill("input[name=password]", "wrong");
    await page.click("button[type=submit]:has-text('Sign in')");
    expect(await page.textContent("[role=alert]")).toContain("Wrong user name or password");

    await page.fill("input[name=password]", "correct horse");
    await page.click("button[type=submit]:has-text('Sign in')");
    await page.waitForURL(`**/builds/${build.id}`);
    expect(await page.textContent("header .who")).toContain("bob");

    await page.click("button:has-text('Stop build')");
    await page.waitForSelector("#summary .s-cancelled");
    expect(web.build(build.id).status).toBe("cancelled");
    expect(web.build(build.id).reason).toContain("bob");
    expect(await page.$("button:has-text('Stop build')")).toBeNull();
    await page.close();
  });

  it("keeps a hostile log line, branch and user name inert and visible as text", async () => {
    const hostile = "<script>window.__pwned=1</script>";
    const image = "<img src=x onerror=window.__pwned=1>";
    web = await WebApp.start({
      commands: [`printf '%s\\n' '${hostile}'; ${gate("go")}; printf '%s\\n' '${image}'`],
    });
    const record = web.app.store.create(
      makeNewBuild({
        branch: `feature/${hostile}`,
        requester: image,
        requesterId: "uid-x",
        channelId: "chan",
        channelName: hostile,
        createdAt: Date.now(),
      }),
    );
    const build = await web.requestBuild();
    await waitFor("the hostile line", async () =>
      (await readFile(web?.logPath(build.id, 0) ?? "", "utf8").catch(() => "")).includes("script"),
    );

    const page = await browser.newPage();
    await page.goto(web.url);
    expect(await page.textContent("tbody")).toContain(`feature/${hostile}`);
    await page.goto(`${web.url}/builds/${record.id}`);
    expect(await page.textContent("#summary")).toContain(image);
    await page.goto(`${web.url}/builds/${build.id}`);
    await page.waitForSelector("#L1-1");
    await open("go"); // the second hostile line arrives over the live stream
    await page.waitForSelector("#L1-2");
    expect(await lineTexts(page, 1)).toEqual([hostile, image]);
    expect(await page.$$("#logs script, #logs img")).toHaveLength(0);
    expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");
    await page.close();
  });

  it("loses nothing and duplicates nothing when the live connection drops mid-log", async () => {
    web = await WebApp.start({
      commands: [
        `i=0; while [ ! -f "$GATE/done" ]; do i=$((i+1)); echo "line $i"; sleep 0.01; done; echo last`,
      ],
    });
    proxy = await DropProxy.start(web.url);
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.steps[0]?.status === "running");

    const page = await browser.newPage();
    await page.goto(`${proxy.url}/builds/${build.id}`);
    for (let drop = 0; drop < 3; drop++) {
      const seen = (await lineTexts(page, 1)).length;
      await page.waitForFunction(
        (n) =>
          (globalThis as unknown as { document: Dom }).document.querySelectorAll("#step-1 .ln").length > n,
        seen + 20,
      );
      proxy.dropAll();
    }
    await open("done");
    await web.waitForStatus(build.id, (b) => b.status === "succeeded");
    await page.waitForSelector("#summary .s-succeeded");
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: Dom }).document.querySelector("#step-1 .ln:last-child span")
          ?.textContent === "last",
    );

    const file = (await readFile(web.logPath(build.id, 0), "utf8")).split("\n").slice(0, -1);
    const shown = await lineTexts(page, 1);
    expect(shown).toEqual(file);
    const ids = await page.$$eval("#step-1 .ln", (rows) => rows.map((r) => r.id));
    expect(ids).toEqual(file.map((_, i) => `L1-${i + 1}`));
    // The browser really did resume: a reconnect carried the position it had reached.
    expect(proxy.heads.some((head) => /^last-event-id: 1:\d+/im.test(head))).toBe(true);
    await page.close();
  });
});
