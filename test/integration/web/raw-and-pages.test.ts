import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { fileLogStreamSource } from "../../../src/web/log/file-log-stream-source.js";
import type { LogStreamSource } from "../../../src/web/log/log-stream-source.js";
import { webRoutes } from "../../../src/web/web-routes.js";
import { makeNewBuild } from "../../fakes/make-build.js";
import { writeNumberedLog } from "../../helpers/numbered-log.js";
import { WebApp } from "../../helpers/web-app.js";

let web: WebApp | null = null;
afterEach(async () => {
  await web?.close();
  web = null;
});

describe("raw logs and pages", () => {
  it("streams a large raw log from disk under backpressure, and offers it as a download", async () => {
    web = await WebApp.start({ commands: ["echo small"] });
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.status === "succeeded");
    const size = await writeNumberedLog(web.logPath(build.id, 0), 64);

    // The same routes, on a source that counts what it reads.
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
    await server.register(webRoutes, { service: web.app.service, config: web.app.config, logs: counting });
    const url = await server.listen({ port: 0, host: "127.0.0.1" });
    try {
      const response = await fetch(`${url}/builds/${build.id}/steps/1/raw`);
      expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(response.headers.get("content-length")).toBe(String(size));
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("content-disposition")).toBeNull();
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const head = await reader.read();
      // A client that stops reading stops the server reading: far less than the file is in flight.
      expect(read).toBeLessThan(size / 2);
      let received = head.value?.length ?? 0;
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        received += chunk.value.length;
      expect(received).toBe(size);

      const download = await fetch(`${url}/builds/${build.id}/steps/1/raw?download=1`);
      expect(download.headers.get("content-disposition")).toBe(
        `attachment; filename="build-${build.id}-step-1.log"`,
      );
      await download.body?.cancel();

      // The step passed, so the page folds it and sends none of its log; opened, it gets only the
      // tail, numbered from the right line.
      const page = await fetch(`${url}/builds/${build.id}`, { headers: { accept: "text/html" } });
      const html = await page.text();
      expect(html.length).toBeLessThan(100_000);
      expect(html).toMatch(/<details class="step" id="step-1" [^>]*data-lazy="1">/);
      const opened = (await (await fetch(`${url}/builds/${build.id}/steps/1/lines`)).json()) as {
        line: number;
        html: string[];
      };
      const lines = size / 64;
      expect(opened.line + opened.html.length - 1).toBe(lines);
      expect(opened.line).toBeGreaterThan(1);
      expect(opened.html.at(-1)).toBe(`${String(lines).padStart(9, "0")} ${"x".repeat(53)}`);
    } finally {
      await server.close();
    }
  });

  it("lists builds newest first with filters and keyset pages, and sets security headers", async () => {
    web = await WebApp.start({ commands: ["echo hi"] });
    const store = web.app.store;
    for (let i = 0; i < 30; i++) {
      const b = store.create(
        makeNewBuild({
          branch: i % 2 ? "main" : "dev",
          requester: i % 3 ? "alice" : "bob",
          requesterId: "u",
          createdAt: 1_700_000_000_000 + i,
        }),
      );
      if (i % 5 === 0) store.update(b.id, { status: "failed", finishedAt: 1_700_000_100_000 });
    }
    const ids = (html: string) =>
      [...html.matchAll(/<td class="nowrap"><a href="\/builds\/(\d+)">/g)].map((m) => Number(m[1]));
    const first = await web.app.server.inject({ url: "/" });
    expect(first.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(first.headers["x-frame-options"]).toBe("DENY");
    expect(ids(first.body)).toEqual(Array.from({ length: 25 }, (_, i) => 30 - i));
    expect(first.body).toContain('href="/?before=6"');
    const second = await web.app.server.inject({ url: "/?before=6" });
    expect(ids(second.body)).toEqual([5, 4, 3, 2, 1]);
    expect(second.body).not.toContain("Older builds");

    const failedOnDev = await web.app.server.inject({
      url: "/?status=failed&branch=dev&repo=app&requester=",
    });
    expect(ids(failedOnDev.body)).toEqual([21, 11, 1]);
    expect(ids((await web.app.server.inject({ url: "/?requester=bob&branch=main" })).body)).toEqual([
      28, 22, 16, 10, 4,
    ]);
    expect((await web.app.server.inject({ url: "/?status=nope" })).body).toContain(
      "no status &quot;nope&quot;",
    );

    const missing = await web.app.server.inject({ url: "/builds/999", headers: { accept: "text/html" } });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toContain("text/html");
    expect((await web.app.server.inject({ url: "/builds/1/steps/1/raw" })).statusCode).toBe(404);
  });
});
