import { setTimeout as sleep } from "node:timers/promises";
import { createTestRepo } from "../../test/helpers/buildbot-git-repo.js";
import { type Benchmark, fmt } from "../benchmark.js";
import { startWebhookSink } from "../slashbuild-fixture.js";
import { ackRequest, serveConfig } from "./ack-real.js";
import { autocannon } from "./autocannon.js";
import { ServeProcess, slashForm } from "./serve-process.js";

/**
 * Memory of the real serve process as the queue grows: RSS (from /proc) once warm with one build
 * running, after 1,000 builds queued behind it, and after 10,000. Builds are added with
 * `/build hello --again` by autocannon (fixed request counts).
 */

const MB = 1024 * 1024;

export const memoryGrowth: Benchmark = {
  name: "Memory of the real serve process as builds queue up",
  unavailable: () => (process.platform === "linux" ? null : "RSS is read from /proc (Linux only)"),
  async run() {
    const repo = createTestRepo();
    const sink = await startWebhookSink();
    const serve = await ServeProcess.start({ config: serveConfig(repo.dir, sink.url) });
    try {
      await fetch(`${serve.url}/mattermost/command`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: slashForm("hello"),
      });
      // Warm: JIT, SQLite page cache, Fastify's caches; then let the heap settle.
      await autocannon({ ...ackRequest(serve.url), seconds: 1, amount: 200 });
      const rss = async () => {
        await sleep(1500);
        return serve.rssBytes();
      };
      const base = await rss();
      await autocannon({ ...ackRequest(serve.url), seconds: 60, amount: 1000 });
      const at1k = await rss();
      await autocannon({ ...ackRequest(serve.url), seconds: 120, amount: 9000 });
      const at10k = await rss();
      const added1k = (at1k - base) / MB;
      const growth = (at10k - at1k) / at1k;
      return {
        table: [
          ["point", "RSS MB"],
          ["warm, 200 builds queued", fmt(base / MB)],
          ["+1,000 builds queued", fmt(at1k / MB)],
          ["+10,000 builds queued", fmt(at10k / MB)],
        ],
        verdicts: [
          `1,000 queued builds add ${fmt(added1k)} MB (target ≤ 20 MB): ${added1k <= 20 ? "met" : "NOT met"}`,
          `RSS after 10,000 builds vs after 1,000: ${growth >= 0 ? "+" : ""}${fmt(growth * 100)}% (target within 20%): ${Math.abs(growth) <= 0.2 ? "met" : "NOT met"}`,
        ],
        notes: ["RSS read from /proc/PID/status 1.5 s after each batch; one build running, the rest queued"],
      };
    } finally {
      await serve.stop();
      await sink.close();
      repo.close();
    }
  },
};
