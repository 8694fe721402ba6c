import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildbotLogSource } from "../../../src/backends/buildbot/buildbot-log-source.js";
import { WWW_STUB_MODULE } from "../../../src/backends/buildbot/www-stub.js";
import { formatBuildFinished } from "../../../src/chat/mattermost/format-build-message.js";
import type { Build } from "../../../src/core/build.js";
import { textLogStreamSource } from "../../../src/web/log/log-stream-source.js";
import { webRoutes } from "../../../src/web/web-routes.js";
import { requestNew } from "../../fakes/request-new.js";
import { describeWithBuildbot } from "../../helpers/buildbot-harness.js";
import { type BuildbotMaster, startBuildbotMaster } from "../../helpers/buildbot-master.js";
import { type WiredService, waitFor } from "../../helpers/buildbot-service.js";

/**
 * Issue 21 on a real master (Debian's Buildbot, which has no web UI: slashbuild's www stub answers
 * its root): links to Buildbot's pages only where its UI is (item 8), and a failed build's page
 * opens on the command's output, not on Buildbot's header around it (item 2).
 */

const SECRET = "status-secret-0123456789";
const user = { id: "uid-alice", name: "alice" };
const channel = { id: "chan-ci", name: "ci" };
/** Its command line says "error" too: Buildbot's header repeats it (the command and its argv). */
const FAILING = "echo compiling; echo 'src/a.c:3: error: expected ;'; echo 'fix the error above'; exit 3";

let master: BuildbotMaster;

async function buildOf(wired: WiredService, repo: string): Promise<Build> {
  const build = await requestNew(wired.service, { repo, branch: null, revision: null, user, channel });
  return waitFor(`#${build.id} to finish`, () => wired.notifier.of(build.id, "finished")[0]);
}

async function closing<T>(wired: WiredService, work: (wired: WiredService) => Promise<T>): Promise<T> {
  try {
    return await work(wired);
  } finally {
    master.status.receivers.delete(wired.backend);
    await wired.backend.close();
  }
}

function buildbotField(build: Build) {
  const post = formatBuildFinished(build, { publicUrl: "https://ci.example.com" });
  return post.attachments?.[0]?.fields?.find((field) => field.title === "Buildbot");
}

describeWithBuildbot("Buildbot builds: links and pages", () => {
  beforeAll(async () => {
    master = await startBuildbotMaster({
      secret: SECRET,
      repos: { app: { commands: ["echo hello"] }, broken: { commands: [FAILING, "echo never"] } },
      settings: { trigger: "force", reconcile_interval: "1h", follow_interval: "1h" },
    });
  });

  afterAll(async () => {
    await master?.close();
  });

  describe("links to Buildbot's own pages (item 8)", () => {
    it("none where the master serves no web UI (Debian: the stub): the post links slashbuild's page alone", async () => {
      const done = await closing(master.wire(), (wired) => buildOf(wired, "app"));
      expect(done.external).toMatchObject({ web_ui: false, url: expect.stringContaining("/#/builders/") });
      expect(buildbotField(done)).toBeUndefined();
      expect(JSON.stringify(formatBuildFinished(done, { publicUrl: "https://ci.example.com" }))).toContain(
        `https://ci.example.com/builds/${done.id}`,
      );
    });

    it("a link where buildbot.web_ui says the UI is there", async () => {
      const done = await closing(master.wire({ web_ui: true }), (wired) => buildOf(wired, "app"));
      expect(done.external.web_ui).toBe(true);
      expect(buildbotField(done)?.value).toBe(`[build page](${done.external.url})`);
    });

    it("a link where the master's root is a UI rather than the stub, seen at start", async () => {
      const index = path.join(master.harness.dir, "pyplugins", WWW_STUB_MODULE, "static", "index.html");
      const stub = await readFile(index, "utf8");
      // What a real UI's root is like: an application page, not the stub's "REST API only".
      await writeFile(index, '<!doctype html><html ng-app="app"><script src="scripts.js"></script></html>\n');
      try {
        const done = await closing(master.wire(), (wired) => buildOf(wired, "app"));
        expect(done.external.web_ui).toBe(true);
        expect(buildbotField(done)).toBeDefined();
      } finally {
        await writeFile(index, stub);
      }
    });
  });

  describe("a failed build's page (item 2)", () => {
    let server: FastifyInstance;
    let wired: WiredService;
    let failed: Build;

    beforeAll(async () => {
      wired = master.wire();
      failed = await buildOf(wired, "broken");
      server = Fastify();
      await server.register(webRoutes, {
        service: wired.service,
        config: { ...master.config, web: { ...master.config.web, read: "public" } },
        logs: textLogStreamSource(
          new BuildbotLogSource({ client: wired.backend.client, config: master.config }),
        ),
      });
    });

    afterAll(async () => {
      await server?.close();
      master.status.receivers.delete(wired.backend);
      await wired.backend.close();
    });

    it("opens on the failed command's first error, not on the header Buildbot writes around it", async () => {
      expect(failed.steps.map((s) => s.status)).toEqual(["succeeded", "failed", "skipped"]);
      const page = (await server.inject({ url: `/builds/${failed.id}`, headers: { accept: "text/html" } }))
        .body;
      const open = /data-open="L2-(\d+)"/.exec(page)?.[1];
      expect(open).toBeDefined();
      const row = new RegExp(`<div class="ln err hl" id="L2-${open}"[^>]*>.*?<span>(.*?)</span></div>`).exec(
        page,
      );
      expect(row?.[1]).toBe("src/a.c:3: error: expected ;");
      // The header is there, faint, and not marked as an error although it says "error" too.
      expect(page).toMatch(/<div class="ln" id="L2-1"[^>]*>.*<span class="a-d">sh -c /);
      expect(page).not.toMatch(/class="ln err[^"]*" id="L2-1"/);
    });

    it("folds the checkout that passed: its git commands and 'using PTY: False' are not on the page until opened", async () => {
      const page = (await server.inject({ url: `/builds/${failed.id}`, headers: { accept: "text/html" } }))
        .body;
      expect(page).toMatch(/<details class="step" id="step-1" [^>]*data-lazy="1">/);
      expect(page).toMatch(/<details class="step" id="step-2" [^>]*open>/);
      expect(page).not.toContain("git clone");
      expect(page).not.toMatch(/id="L1-/);
      const checkout = (await server.inject({ url: `/builds/${failed.id}/steps/1/lines` })).json() as {
        html: string[];
      };
      expect(checkout.html.join("\n")).toContain("git clone");
      expect(checkout.html.join("\n")).toContain('<span class="a-d"> using PTY: False</span>');
    });

    it("says Buildbot's logs carry no per-line times", async () => {
      const page = (await server.inject({ url: `/builds/${failed.id}`, headers: { accept: "text/html" } }))
        .body;
      expect(page).toContain('id="show-times" disabled');
      expect(page).toContain("Buildbot&#39;s logs carry no per-line times");
    });
  });
});
