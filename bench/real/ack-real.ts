import { rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { generateMasterCfg } from "../../src/backends/buildbot/generate-master-cfg.js";
import { createTestRepo } from "../../test/helpers/buildbot-git-repo.js";
import { buildbotInstalled, startBuildbot } from "../../test/helpers/buildbot-harness.js";
import { bbConfig } from "../../test/helpers/buildbot-service.js";
import { makeConfig } from "../../test/helpers/make-config.js";
import { type Benchmark, fmt } from "../benchmark.js";
import { startWebhookSink } from "../slashbuild-fixture.js";
import { autocannon, type CannonResult } from "./autocannon.js";
import { seedDataDir } from "./seed-history.js";
import { ServeProcess, slashForm } from "./serve-process.js";

/**
 * The headline acknowledgement figure: the real `slashbuild serve` process (bin/slashbuild.js, a
 * YAML config, SQLite on disk, a webhook to a loopback sink) loaded by autocannon from its own
 * process, 8 keep-alive connections, `/build hello --again`. `hello`'s first build (`sleep`) holds
 * the runner, so every later build stays queued and the queue grows through the run, as in a real
 * backlog. Measured twice: on an empty data dir, and on one with 100,000 builds of history and
 * 10,000 queued. Buildbot 3.7's `/change_hook/base` on a master whose builder has no connected
 * worker (it stores the change, buildset and build request, runs nothing) in the same run.
 */

/** Keep-alive connections of every load on the real process (the deploy benches use it too). */
export const CONNECTIONS = 8;
const SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 10);
const HISTORY = 100_000;
const QUEUED = 10_000;

export interface AckPoint extends CannonResult {
  readonly label: string;
  readonly queuedAfter: number;
  /** The server's CPU time (user + system, /proc) per answered request during the point. */
  readonly cpuUsPerRequest: number;
}

export const ackReal: Benchmark = {
  name: "Acknowledgement on the real serve process vs Buildbot's change hook (autocannon, separate process)",
  unavailable: () => (buildbotInstalled() ? null : "/usr/bin/buildbot is not installed"),
  async run() {
    const repo = createTestRepo();
    const sink = await startWebhookSink();
    try {
      const config = serveConfig(repo.dir, sink.url);
      const empty = await measureServe("empty database", config, undefined);
      const seeded = seedDataDir({
        finished: HISTORY,
        queued: QUEUED,
        repos: ["hello", "lib", "web", "docs"],
        queuedRepo: "hello",
      });
      const loaded = await measureServe(
        `${HISTORY / 1000}k builds in history, ${QUEUED / 1000}k queued`,
        config,
        seeded,
      );
      // On a loaded machine the master can take longer than buildbot's own 10 s start check: one retry.
      const buildbot = await measureChangeHook(repo.dir).catch(() => measureChangeHook(repo.dir));
      const ratio = empty.perSecond / buildbot.perSecond;
      const rateDrift = (loaded.perSecond - empty.perSecond) / empty.perSecond;
      const p99Drift = (loaded.p99Ms - empty.p99Ms) / empty.p99Ms;
      // Less sensitive than rates to other load on the machine: compare this when the rates disagree.
      const cpuDrift = (loaded.cpuUsPerRequest - empty.cpuUsPerRequest) / empty.cpuUsPerRequest;
      return {
        table: [
          [
            "path",
            "requests",
            "errors",
            "req/s",
            "p50 ms",
            "p99 ms",
            "server CPU µs/request",
            "queued at the end",
          ],
          row(`slashbuild serve, ${empty.label}`, empty),
          row(`slashbuild serve, ${loaded.label}`, loaded),
          [
            "Buildbot 3.7 POST /change_hook/base (no worker)",
            String(buildbot.requests),
            String(buildbot.errors),
            fmt(buildbot.perSecond),
            fmt(buildbot.p50Ms, 2),
            fmt(buildbot.p99Ms, 2),
            "n/a",
            "n/a",
          ],
        ],
        verdicts: [
          `ratio slashbuild (empty) / Buildbot = ${fmt(ratio)}x (target ≥ 50x): ${ratio >= 50 ? "met" : "NOT met"}`,
          `slashbuild p99 = ${fmt(empty.p99Ms, 2)} ms empty, ${fmt(loaded.p99Ms, 2)} ms loaded (target ≤ 10 ms): ${Math.max(empty.p99Ms, loaded.p99Ms) <= 10 ? "met" : "NOT met"}`,
          `flat: loaded vs empty throughput ${pct(rateDrift)}, p99 ${pct(p99Drift)} (target within 10%): ${Math.abs(rateDrift) <= 0.1 && p99Drift <= 0.1 ? "met" : "NOT met"}; server CPU per request ${pct(cpuDrift)}`,
        ],
        notes: [
          `autocannon CLI in its own process: ${CONNECTIONS} keep-alive connections, ${SECONDS} s per point after a 2 s warm-up; webhook mode to a loopback sink`,
          "a non-2xx answer counts as an error; a point fails unless every answered request stored a build (a refusal is HTTP 200 too); the queue bounds are lifted; the queue depth is read from the database after a graceful stop",
        ],
      };
    } finally {
      await sink.close();
      repo.close();
    }
  },
};

export function serveConfig(repoDir: string, webhookUrl: string): Record<string, unknown> {
  return {
    mattermost: { webhook_url: webhookUrl },
    // The history is what is measured: the default retention (1000 per repo, sent posts 7 days)
    // would prune it away, during the measurement (a profile showed the pruner at 10% of it).
    retention: { builds_per_repo: 1_000_000, delivered_posts: "3650d", logs: "3650d" },
    // Every request must store a build: under the default bounds (10 per person, 100 in all) all but
    // the first few are refusals, which are HTTP 200 too and cost a fraction of a stored build.
    queue: { max_per_user: 1_000_000_000, max_total: 1_000_000_000 },
    // The read benchmarks load the pages anonymously: the default (`signed_in`) would send every
    // read to the sign-in page. A session lookup is one primary-key read, whatever the history.
    web: { read: "public" },
    repos: {
      // One runner slot for hello: its first build sleeps, so every later one waits in the queue.
      hello: { url: repoDir, branch: "main", commands: ["sleep 3600"] },
      lib: { url: repoDir, branch: "main", commands: ["true"] },
      web: { url: repoDir, branch: "main", commands: ["true"] },
      docs: { url: repoDir, branch: "main", commands: ["true"] },
    },
  };
}

export const ackRequest = (url: string) => ({
  url: `${url}/mattermost/command`,
  method: "POST" as const,
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: slashForm("hello --again"),
  connections: CONNECTIONS,
});

async function measureServe(
  label: string,
  config: Record<string, unknown>,
  dataDir: string | undefined,
): Promise<AckPoint> {
  const serve = await ServeProcess.start({ config, ...(dataDir ? { dataDir } : {}) });
  try {
    // The first build takes the runner (and warms the mirror); then a warm-up round.
    const first = await fetch(`${serve.url}/mattermost/command`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: slashForm("hello"),
    });
    if (!first.ok) throw new Error(`first /build failed: ${first.status} ${await first.text()}`);
    await autocannon({ ...ackRequest(serve.url), seconds: 2 });
    const before = lastBuildId(serve.dataDir);
    const cpuBefore = serve.cpuMs();
    const result = await autocannon({ ...ackRequest(serve.url), seconds: SECONDS });
    const cpuUsPerRequest = ((serve.cpuMs() - cpuBefore) * 1000) / result.requests;
    if (result.errors > 0)
      throw new Error(`${label}: ${result.errors} failed requests; stderr: ${serve.stderr()}`);
    await serve.stop({ keepData: true });
    assertEveryAnswerStored(label, result.requests, lastBuildId(serve.dataDir) - before);
    return { ...result, label, queuedAfter: queuedCount(serve.dataDir), cpuUsPerRequest };
  } finally {
    await serve.stop();
    rmSync(serve.dataDir, { recursive: true, force: true });
  }
}

/**
 * A refusal (queue full, unknown branch, ...) is HTTP 200 with an ephemeral text, and autocannon's
 * CLI cannot check bodies: so every answered request must have stored a build, or the point measured
 * something else. Up to one request per connection may have been in flight when autocannon stopped
 * (stored but not counted, or counted as sent but never processed).
 */
export function assertEveryAnswerStored(label: string, answered: number, stored: number): void {
  if (Math.abs(stored - answered) > CONNECTIONS) {
    throw new Error(
      `${label}: ${answered} requests answered but ${stored} builds stored: the point did not measure stored builds (refusals?)`,
    );
  }
}

/** The newest build number in the database (read-only: WAL lets it read beside the server). */
export function lastBuildId(dataDir: string): number {
  const db = new Database(path.join(dataDir, "slashbuild.db"), { readonly: true });
  try {
    return (db.prepare("SELECT COALESCE(MAX(id), 0) AS id FROM builds").get() as { id: number }).id;
  } finally {
    db.close();
  }
}

/** How many builds wait in the database (after a graceful stop queued builds stay queued). */
function queuedCount(dataDir: string): number {
  const db = new Database(path.join(dataDir, "slashbuild.db"), { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM builds WHERE status = 'queued'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function measureChangeHook(repoDir: string): Promise<CannonResult> {
  const config = makeConfig({
    repos: { demo: { url: repoDir, branch: "main", backend: "buildbot", commands: ["true"] } },
  });
  const master = await startBuildbot({
    user: { name: "slashbuild", password: "bench-pass" },
    worker: false,
    masterCfg: (ports) =>
      generateMasterCfg(
        config,
        bbConfig({
          url: ports.url,
          username: "slashbuild",
          password: "bench-pass",
          status_secret: "bench-status-secret-000",
          status_url: "http://127.0.0.1:9/buildbot/status",
          workers: [{ name: "absent", password: "x" }],
          worker_port: ports.workerPort,
        }),
      ),
  });
  try {
    const load = {
      url: `${master.url}/change_hook/base`,
      method: "POST" as const,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from("slashbuild:bench-pass").toString("base64")}`,
      },
      body: new URLSearchParams({
        category: "slashbuild",
        project: "demo",
        branch: "main",
        repository: repoDir,
        revision: "",
        author: "alice",
        comments: "/build demo main",
        properties: JSON.stringify({ slashbuild_build_id: "1", slashbuild_user: "alice" }),
      }).toString(),
      connections: CONNECTIONS,
    };
    await autocannon({ ...load, seconds: 2 });
    const result = await autocannon({ ...load, seconds: SECONDS });
    if (result.errors > 0) throw new Error(`Buildbot: ${result.errors} failed requests`);
    return result;
  } finally {
    await master.close();
  }
}

function row(label: string, r: AckPoint): string[] {
  return [
    label,
    String(r.requests),
    String(r.errors),
    fmt(r.perSecond),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    fmt(r.cpuUsPerRequest, 0),
    String(r.queuedAfter),
  ];
}

const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
