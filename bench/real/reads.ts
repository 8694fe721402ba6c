import { rmSync } from "node:fs";
import { createTestRepo } from "../../test/helpers/buildbot-git-repo.js";
import { type Benchmark, fmt } from "../benchmark.js";
import { startWebhookSink } from "../slashbuild-fixture.js";
import { serveConfig } from "./ack-real.js";
import { autocannon, type CannonOptions, type CannonResult } from "./autocannon.js";
import { seedDataDir } from "./seed-history.js";
import { ServeProcess, slashForm } from "./serve-process.js";

/**
 * Reads at 100,000 builds (list, build, repo and badge pages, the API list, `/build status`) and a
 * restart with 10,000 queued, on the real serve process: the data dir is seeded with the history
 * (seed-history.ts), serve is started on it (the time to its first answered /healthz is the
 * restart: it listens only once recovery has put every queued build back in the runner's queue),
 * then each read is loaded by autocannon from its own process.
 */

const HISTORY = 100_000;
const QUEUED = 10_000;
const CONNECTIONS = 2;
const SECONDS = Number(process.env.BENCH_READ_SECONDS ?? 4);
/** Feature branches the history spreads every fifth build over (seed-history.ts). */
const BRANCHES = 500;
const TOKEN = "bench-api-token-0123456789-0123456789";

export const readsAt100k: Benchmark = {
  name: `Reads at ${HISTORY / 1000}k builds, restart with ${QUEUED / 1000}k queued (real serve process)`,
  unavailable: () => null,
  async run() {
    const repo = createTestRepo();
    const sink = await startWebhookSink();
    const dataDir = seedDataDir({
      finished: HISTORY,
      queued: QUEUED,
      repos: ["hello", "lib", "web", "docs"],
      queuedRepo: "hello",
      branches: BRANCHES,
    });
    try {
      const base = serveConfig(repo.dir, sink.url);
      const repos = base.repos as Record<string, Record<string, unknown>>;
      const config = {
        ...base,
        // A badge is read by anyone, and the API with a token (hashed and compared with each).
        repos: { ...repos, lib: { ...repos.lib, public_badge: true } },
        api: { tokens: { bench: { token: TOKEN } } },
      };
      const serve = await ServeProcess.start({ config, dataDir });
      const restartMs = serve.readyMs;
      const rows: string[][] = [];
      const results: CannonResult[] = [];
      try {
        const slash = (text: string) => ({
          url: `${serve.url}/mattermost/command`,
          method: "POST" as const,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: slashForm(text),
        });
        const reads: [string, Omit<CannonOptions, "connections" | "seconds">][] = [
          ["list page, no filter", { url: `${serve.url}/` }],
          ["list page, repo=lib", { url: `${serve.url}/?repo=lib` }],
          ["list page, status=failed", { url: `${serve.url}/?status=failed` }],
          ["list page, requester=user7", { url: `${serve.url}/?requester=user7` }],
          [
            "list page, branch=main&status=failed&repo=web",
            { url: `${serve.url}/?branch=main&status=failed&repo=web` },
          ],
          ["list page, page 100 (before=60000)", { url: `${serve.url}/?before=60000` }],
          ["build page /builds/50000", { url: `${serve.url}/builds/50000` }],
          [`repo page /repos/lib (${BRANCHES} branches)`, { url: `${serve.url}/repos/lib` }],
          ["repos index /repos", { url: `${serve.url}/repos` }],
          ["badge /badge/lib/main.svg", { url: `${serve.url}/badge/lib/main.svg` }],
          ["API list, no filter", { url: `${serve.url}/api/builds` }],
          [
            "API list, bearer token",
            { url: `${serve.url}/api/builds`, headers: { authorization: `Bearer ${TOKEN}` } },
          ],
          [
            "API list, repo=web&status=failed&limit=100",
            { url: `${serve.url}/api/builds?repo=web&status=failed&limit=100` },
          ],
          ["API list, page 100 (before=60000)", { url: `${serve.url}/api/builds?before=60000` }],
          ["/build status", slash("status")],
          ["/build status lib", slash("status lib")],
        ];
        for (const [label, options] of reads) {
          await autocannon({ ...options, connections: CONNECTIONS, seconds: 1 }); // warm-up: JIT, page cache
          const result = await autocannon({ ...options, connections: CONNECTIONS, seconds: SECONDS });
          if (result.errors > 0) throw new Error(`${label}: ${result.errors} failed requests`);
          results.push(result);
          rows.push([
            label,
            String(result.requests),
            fmt(result.perSecond),
            fmt(result.p50Ms, 2),
            fmt(result.p99Ms, 2),
          ]);
        }
      } finally {
        await serve.stop();
      }
      const worst = Math.max(...results.map((r) => r.p99Ms));
      return {
        table: [["read", "requests", "req/s", "p50 ms", "p99 ms"], ...rows],
        verdicts: [
          `worst read p99 = ${fmt(worst, 2)} ms (target < 50 ms): ${worst < 50 ? "met" : "NOT met"}`,
          `restart with ${QUEUED} queued builds and ${HISTORY} in history, spawn to first answer = ${fmt(restartMs, 0)} ms (target < 2000 ms): ${restartMs < 2000 ? "met" : "NOT met"}`,
        ],
        notes: [
          `autocannon CLI in its own process, ${CONNECTIONS} keep-alive connections, ${SECONDS} s per read`,
        ],
      };
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await sink.close();
      repo.close();
    }
  },
};
