import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { fileLogStreamSource } from "../../../src/web/log/file-log-stream-source.js";
import type { LogStreamSource } from "../../../src/web/log/log-stream-source.js";
import { webRoutes } from "../../../src/web/web-routes.js";
import { waitFor } from "../../helpers/service-process.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * Issue 21 item 2 on the whole service (createApp, a real git repository and its mirror, the
 * embedded runner): a failed build's page opens on its first error, found once, when the build
 * finished; its header names the commit from the mirror and links it on the Git host.
 */

let web: WebApp | null = null;

afterEach(async () => {
  await web?.close();
  web = null;
});

const LINES = 20_000;
const FAILING = `seq 1 ${LINES}; echo 'error: the one that matters'; seq 1 500; exit 2`;

describe("a failed build's page", () => {
  it("opens on the first error, found once when the build finished: no view scans the log again", async () => {
    web = await WebApp.start({ commands: ["echo ok", FAILING] });
    let read = 0;
    const files = fileLogStreamSource(web.app.local.logs);
    const counting: LogStreamSource = {
      size: (b, s) => files.size(b, s),
      readRange: (b, s, start, end) =>
        files.readRange(b, s, start, end).on("data", (chunk: Buffer) => {
          read += chunk.length;
        }),
    };
    const server = Fastify();
    await server.register(webRoutes, {
      service: web.app.service,
      config: web.app.config,
      logs: counting,
      clock: Date.now,
    });
    try {
      const build = await web.requestBuild();
      await web.waitForStatus(build.id, (b) => b.status === "failed");
      const size = (await files.size(web.build(build.id), 1)) ?? 0;
      // Nobody has asked for the page yet: the finish alone had the failing step's log read.
      await waitFor("the first error to be looked for", () => (read >= size - 4096 ? true : undefined));
      read = 0;
      const page = (await server.inject({ url: `/builds/${build.id}`, headers: { accept: "text/html" } }))
        .body;
      expect(read).toBeLessThan(64 * 1024);
      const first = LINES + 1;
      expect(page).toContain(`data-open="L2-${first}"`);
      expect(page).toMatch(
        new RegExp(
          `<div class="ln err hl" id="L2-${first}"[^>]*><a[^>]*>${first}</a><span>error: the one that matters</span>`,
        ),
      );
      // 30 lines of context above it, and the step that passed folded and not read.
      expect(page).toContain(`id="L2-${first - 30}"`);
      expect(page).not.toContain(`id="L2-${first - 31}"`);
      expect(page).not.toMatch(/id="L1-/);
    } finally {
      await server.close();
    }
  });

  it("names the commit from the repository (title, author) and links it on the Git host", async () => {
    web = await WebApp.start({
      commands: ["exit 1"],
      extra: { forges: { github: {} } },
      repoExtra: { forge: "github", full_name: "acme/app" },
    });
    const sha = await web.repo.commit({ message: "Fix the <login> form\n\nWhy, at length." });
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.status === "failed");
    expect(web.build(build.id).sha).toBe(sha);
    const page = (
      await web.app.server.inject({ url: `/builds/${build.id}`, headers: { accept: "text/html" } })
    ).body;
    expect(page).toContain(
      `<a href="https://github.com/acme/app/commit/${sha}" rel="noopener"><code title="${sha}">${sha.slice(0, 10)}</code></a>`,
    );
    expect(page).toContain('<span class="commit-title">Fix the &lt;login&gt; form</span>');
    expect(page).toContain("by Slashbuild Test");
    expect(page).not.toContain("Why, at length");
    expect(page).toMatch(/Typed in <strong>~ci<\/strong> by <strong>@alice<\/strong>/);
  });
});
