import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchBrowser } from "../test/helpers/browser.js";
import { WebApp } from "../test/helpers/web-app.js";

/**
 * Renders docs/screenshots/*.png: the build list and a failed build's page (as it opens: on the
 * failed step's first error, passed steps folded), at desktop (1280 px) and phone (390 px) widths,
 * and the page's search with per-line times, from real builds on a real git repository with
 * coloured output. The repo is on GitHub as far as the config says, so the commit is linked there.
 * Run: `npx tsx bench/web-screenshots.ts`.
 */
const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../docs/screenshots");

const INSTALL = String.raw`printf 'Installing dependencies\n'; for p in fastify zod yaml pino; do printf '  \033[32m+\033[0m %s\n' "$p"; done; printf '\033[1madded 4 packages\033[0m in 0.4s\n'`;
const TEST = String.raw`printf ' \033[32m✓\033[0m config: loads the example\n \033[32m✓\033[0m core: refuses unknown repos\n \033[31m✗\033[0m web: renders the build list\n\n\033[31merror\033[0m: expected 3 rows, got 2\n    at test/web.test.ts:42:7\n\nTests: \033[31m1 failed\033[0m, \033[32m2 passed\033[0m\n'; [ -f "$GATE/pass" ]`;

// The commands live in the repository, as they would in a real project.
const web = await WebApp.start({
  commands: ["sh ci/install.sh", "sh ci/test.sh", "sh ci/deploy.sh"],
  extra: { forges: { github: {} } },
  repoExtra: { forge: "github", full_name: "acme/app" },
});
await web.repo.commit({
  message: "CI scripts",
  files: { "ci/install.sh": `${INSTALL}\n`, "ci/test.sh": `${TEST}\n`, "ci/deploy.sh": "echo deploying\n" },
});
const browser = await launchBrowser({ timezoneId: "Europe/Berlin", locale: "en-GB" });
try {
  await writeFile(path.join(web.gate, "pass"), "");
  await web.repo.createBranch("feature/login");
  for (const branch of [null, "feature/login"]) {
    const ok = await web.requestBuild(branch);
    await web.waitForStatus(ok.id, (b) => b.status === "succeeded");
  }
  await rm(path.join(web.gate, "pass"));
  await web.repo.commit({ message: "Show the build list's rows in order", files: { "web.txt": "rows\n" } });
  const failed = await web.requestBuild();
  await web.waitForStatus(failed.id, (b) => b.status === "failed");

  await mkdir(OUT, { recursive: true });
  for (const [label, width, height] of [
    ["desktop", 1280, 800],
    ["phone", 390, 844],
  ] as const) {
    const page = await browser.newPage(width, height);
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(web.url);
    await page.screenshot({ path: path.join(OUT, `build-list-${label}.png`), fullPage: true });
    await page.goto(`${web.url}/builds/${failed.id}`);
    await page.waitForSelector(".ln.hl");
    await page.screenshot({ path: path.join(OUT, `build-page-${label}.png`), fullPage: true });
    await page.close();
  }
  const page = await browser.newPage(1280, 800);
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(`${web.url}/builds/${failed.id}`);
  await page.check("#show-times");
  await page.fill("#log-q", "web");
  await page.click("#log-search button[type=submit]");
  await page.waitForSelector("#search-results .hits li");
  await page.screenshot({ path: path.join(OUT, "build-page-search-desktop.png"), fullPage: true });
  await page.close();
  console.log(`screenshots written to ${OUT}`);
} finally {
  await browser.close();
  await web.close();
}
