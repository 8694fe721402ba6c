import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../../helpers/browser.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * A build can put HTML and script in an artifact. In Chromium, its download link saves the file
 * and runs nothing; the very same bytes served as a page (what slashbuild must not do: the defence
 * off) run their script at once.
 */

let browser: TestBrowser;
let web: WebApp | null = null;
let server: http.Server | null = null;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser.close();
});
afterEach(async () => {
  // Chromium keeps its connection open: close it, or close() waits for the browser to let go.
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = null;
  await web?.close();
  web = null;
});

describe("an artifact's download link in chromium", () => {
  it("saves a build's HTML without running it; served as a page, the same bytes would run", async () => {
    web = await WebApp.start({
      commands: ["mkdir -p report && printf '<script>alert(\"from the build\")</script>' > report/x.html"],
      repoExtra: { artifacts: ["report/*.html"] },
    });
    const { id } = await web.requestBuild();
    await web.waitForStatus(id, (b) => b.status === "succeeded");

    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${web.url}/builds/${id}`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click(`#artifact-list a[href="/builds/${id}/artifacts/report/x.html"]`),
    ]);
    expect(download.suggestedFilename()).toBe("x.html");
    const saved = await readFile((await download.path()) as string, "utf8");
    expect(saved).toBe('<script>alert("from the build")</script>');
    expect(page.url()).toBe(`${web.url}/builds/${id}`);
    expect(dialogs).toEqual([]);

    // Defence off: the same bytes as an HTML answer run their script as soon as they load.
    server = http.createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html" });
      response.end(saved);
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await Promise.all([page.waitForEvent("dialog"), page.goto(`http://127.0.0.1:${port}/x.html`)]);
    expect(dialogs).toEqual(["from the build"]);
    await page.close();
  });
});
