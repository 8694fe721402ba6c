import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BRANCHES_SHOWN, RECENT_BUILDS } from "../../../src/web/repo-routes.js";
import { makeNewBuild } from "../../fakes/make-build.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * The repo overview (issue 21) through the whole service: a real build of the default branch, then
 * a history of other branches written to the store (as many as a busy repo has), newer than it.
 */

/** Enough branches for three pages. */
const BRANCHES = BRANCHES_SHOWN * 2 + 5;

let web: WebApp;
let mainBuild: number;
beforeAll(async () => {
  web = await WebApp.start({ read: "public", commands: ["echo ok"] });
  const main = await web.requestBuild("main");
  mainBuild = (await web.waitForStatus(main.id, (b) => b.status === "succeeded")).id;
  for (let n = 0; n < BRANCHES; n++) {
    const build = web.app.store.create(makeNewBuild({ branch: `topic/${n}`, createdAt: Date.now() }));
    web.app.store.update(build.id, { status: n % 2 === 0 ? "failed" : "succeeded", finishedAt: Date.now() });
  }
}, 60_000);
afterAll(async () => {
  await web.close();
});

const inject = (url: string) => web.app.server.inject({ url, headers: { accept: "text/html" } });
const rowsOf = (html: string, table: number) =>
  (html.split("<tbody>")[table]?.split("</tbody>")[0] ?? "").split("<tr>").slice(1);
const branchesOf = (html: string) =>
  rowsOf(html, 1).map((row) => /<code>([^<]+)<\/code><\/a>/.exec(row)?.[1] as string);
const olderOf = (html: string) => /<a href="([^"]+)" rel="next">Older branches/.exec(html)?.[1];

describe("repo pages", () => {
  it("/repos/<name>: the default branch first though newer verdicts came since, then pages of branches, and the last builds", async () => {
    const answer = await inject("/repos/app");
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["cache-control"]).toBe("private, no-store");
    const branches = rowsOf(answer.body, 1);
    expect(branches).toHaveLength(BRANCHES_SHOWN + 1);
    expect(branches[0]).toContain('<code>main</code></a> <span class="muted">default</span>');
    expect(branches[0]).toContain(`href="/builds/${mainBuild}"`);
    expect(branches[1]).toContain(`<code>topic/${BRANCHES - 1}</code>`);
    // Keyset pages walk every branch once, newest verdict first; main again where its verdict puts it.
    const seen = branchesOf(answer.body).slice(1);
    let next = olderOf(answer.body);
    let pages = 1;
    while (next) {
      const older = await inject(next);
      expect(older.body).toContain('<a href="/repos/app">← Newest verdicts</a>');
      seen.push(...branchesOf(older.body));
      next = olderOf(older.body);
      pages += 1;
    }
    expect(seen).toEqual([
      ...Array.from({ length: BRANCHES }, (_, n) => `topic/${BRANCHES - 1 - n}`),
      "main",
    ]);
    expect(pages).toBe(Math.ceil((BRANCHES + 1) / BRANCHES_SHOWN));
    expect((await inject("/repos/app?before=1")).body).toContain("No older branches.");
    const recent = rowsOf(answer.body, 2);
    expect(recent).toHaveLength(RECENT_BUILDS);
    expect(recent[0]).toMatch(/<td class="wide">local<\/td>/);
    expect(recent[0]).toContain("typed in ~ci");
  });

  it("/repos lists each repo with its default branch's verdict; an unknown repo is a 404 naming the repos", async () => {
    const index = await inject("/repos");
    expect(index.statusCode).toBe(200);
    expect(index.body).toMatch(new RegExp(`href="/repos/app">app</a>.*s-succeeded.*#${mainBuild}`, "s"));
    const missing = await inject("/repos/nope");
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain("There is no repo nope; the repos are app.");
    expect((await inject("/repos/__proto__")).statusCode).toBe(404);
  });

  it("the list page links each repo to its page and shows trigger and backend", async () => {
    const list = await inject("/");
    expect(list.body).toContain('<a href="/repos/app">app</a>');
    expect(list.body).toContain('<th scope="col" class="wide">Trigger</th>');
    expect(list.body).toContain('<th scope="col" class="wide">Backend</th>');
    expect(list.body).toContain('<a href="/repos">Repos</a>');
  });
});
