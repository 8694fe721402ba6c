import { generateMasterCfg } from "../src/backends/buildbot/generate-master-cfg.js";
import { createTestRepo } from "../test/helpers/buildbot-git-repo.js";
import { buildbotInstalled, startBuildbot } from "../test/helpers/buildbot-harness.js";
import { bbConfig } from "../test/helpers/buildbot-service.js";
import { makeConfig } from "../test/helpers/make-config.js";
import { type Benchmark, fmt } from "./benchmark.js";
import { type LoadResult, runLoad } from "./load.js";
import { AcceptOnlyBackend, slashForm, startSlashbuild } from "./slashbuild-fixture.js";

/**
 * Acknowledging `/build demo main`: slashbuild (token check, parse, authorize, branch check, store
 * the build in SQLite on disk, queue its status post, answer) against the old integration's path,
 * Buildbot's own `base` change hook receiving the same request (parse, store the change, schedule
 * a buildset and build request). Neither side runs the builds: slashbuild's backend only accepts
 * them and the master has no worker, so each side does its persistence and nothing else.
 * Same load for both: closed loop, 8 keep-alive connections, loopback.
 */

const CONNECTIONS = 8;
const DURATION_MS = Number(process.env.BENCH_ACK_MS ?? 10_000);

export const ackThroughput: Benchmark = {
  name: "Slash command acknowledgement (persistence on) vs Buildbot's change hook",
  unavailable: () => (buildbotInstalled() ? null : "/usr/bin/buildbot is not installed"),
  async run() {
    const repo = createTestRepo();
    try {
      const slashbuild = await measureSlashbuild(repo.dir);
      const buildbot = await measureChangeHook(repo.dir);
      const ratio = slashbuild.perSecond / buildbot.perSecond;
      return {
        table: [
          ["path", "requests", "errors", "req/s", "p50 ms", "p99 ms"],
          row("slashbuild POST /mattermost/command", slashbuild),
          row("Buildbot POST /change_hook/base", buildbot),
        ],
        verdicts: [
          `throughput ratio slashbuild / Buildbot = ${fmt(ratio)}x (target ≥ 20x): ${ratio >= 20 ? "met" : "NOT met"}`,
          `slashbuild p99 at that load = ${fmt(slashbuild.p99Ms, 2)} ms (target < 20 ms): ${slashbuild.p99Ms < 20 ? "met" : "NOT met"}`,
        ],
        notes: [
          `closed loop, ${CONNECTIONS} keep-alive connections, ${DURATION_MS / 1000} s per side after a warm-up`,
        ],
      };
    } finally {
      repo.close();
    }
  },
};

async function measureSlashbuild(repoDir: string): Promise<LoadResult> {
  const bench = await startSlashbuild({
    public_url: "http://127.0.0.1:1",
    // Every request queues a build and nothing ever starts them: this measures acknowledgement, so
    // the queue bounds (issue 8, default 10 per user and 100 in all) are lifted out of the way.
    queue: { max_per_user: 1_000_000_000, max_total: 1_000_000_000 },
    repos: { demo: { url: repoDir, branch: "main", commands: ["true"] } },
  });
  try {
    bench.app.service.attachBackend(new AcceptOnlyBackend());
    await bench.app.start();
    const address = await bench.app.server.listen({ host: "127.0.0.1", port: 0 });
    const load = {
      url: `${address}/mattermost/command`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      // `--again`: every request stores a new build (an identical queued one would be answered instead).
      body: (n: number) => slashForm("demo main --again", n),
      connections: CONNECTIONS,
      // An accepted build is named #N in the answer; a refusal would be a 200 too.
      expectBody: /Queued build \[#\d+\]/,
    };
    await runLoad({ ...load, durationMs: 1500, maxRequests: 2000 }); // warm-up: mirror, JIT, SQLite pages
    return checked(await runLoad({ ...load, durationMs: DURATION_MS, maxRequests: 200_000 }), "slashbuild");
  } finally {
    await bench.close();
  }
}

async function measureChangeHook(repoDir: string): Promise<LoadResult> {
  const config = makeConfig({
    repos: { demo: { url: repoDir, branch: "main", backend: "buildbot", commands: ["true"] } },
  });
  let auth = "";
  const master = await startBuildbot({
    user: { name: "slashbuild", password: "bench-pass" },
    worker: false,
    masterCfg: (ports) => {
      const bb = bbConfig({
        url: ports.url,
        username: "slashbuild",
        password: "bench-pass",
        status_secret: "bench-status-secret-000",
        status_url: "http://127.0.0.1:9/buildbot/status",
        workers: [{ name: "absent", password: "x" }],
        worker_port: ports.workerPort,
      });
      auth = `Basic ${Buffer.from("slashbuild:bench-pass").toString("base64")}`;
      return generateMasterCfg(config, bb);
    },
  });
  try {
    const load = {
      url: `${master.url}/change_hook/base`,
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: auth },
      body: (n: number) =>
        new URLSearchParams({
          category: "slashbuild",
          project: "demo",
          branch: "main",
          repository: repoDir,
          revision: "",
          author: "alice",
          comments: "/build demo main",
          properties: JSON.stringify({ slashbuild_build_id: String(n), slashbuild_user: "alice" }),
        }).toString(),
      connections: CONNECTIONS,
      expectBody: /change/i,
    };
    await runLoad({ ...load, durationMs: 1500, maxRequests: 200 });
    return checked(await runLoad({ ...load, durationMs: DURATION_MS, maxRequests: 20_000 }), "Buildbot");
  } finally {
    await master.close();
  }
}

function checked(result: LoadResult, who: string): LoadResult {
  if (result.errors > 0)
    throw new Error(`${who}: ${result.errors} failed requests, first: ${result.firstError}`);
  return result;
}

function row(label: string, r: LoadResult): string[] {
  return [label, String(r.requests), String(r.errors), fmt(r.perSecond), fmt(r.p50Ms, 2), fmt(r.p99Ms, 2)];
}
