import { request } from "node:http";
import { BuildbotBackend } from "../src/backends/buildbot/buildbot-backend.js";
import type { BuildbotConfig } from "../src/backends/buildbot/buildbot-config.js";
import { generateMasterCfg } from "../src/backends/buildbot/generate-master-cfg.js";
import { buildbotStatusRoute } from "../src/backends/buildbot/status-route.js";
import { createTestRepo } from "../test/helpers/buildbot-git-repo.js";
import { buildbotInstalled, freePort, startBuildbot } from "../test/helpers/buildbot-harness.js";
import { bbConfig } from "../test/helpers/buildbot-service.js";
import { type Benchmark, fmt } from "./benchmark.js";
import { percentile } from "./load.js";
import { slashForm, startSlashbuild, startWebhookSink } from "./slashbuild-fixture.js";

/**
 * From `/build` to the finish post arriving at the (fake, loopback) Mattermost webhook, for a
 * one-command build (`true`): the embedded runner against the same build on Buildbot, through the
 * same slashbuild process, alternating so both see the same machine state. Buildbot's status
 * returns by HttpStatusPush, as deployed.
 */

const RUNS = Number(process.env.BENCH_BUILD_RUNS ?? 10);

export const buildToResult: Benchmark = {
  name: "/build to posted result: embedded runner vs Buildbot",
  unavailable: () => (buildbotInstalled() ? null : "/usr/bin/buildbot is not installed"),
  async run() {
    const repo = createTestRepo();
    const webhook = await startWebhookSink();
    const port = await freePort();
    const statusSecret = "bench-status-secret-000";
    let bb: BuildbotConfig | undefined;
    const repos = {
      demo: { url: repo.dir, branch: "main", commands: ["true"] },
      "demo-bb": { url: repo.dir, branch: "main", commands: ["true"], backend: "buildbot" },
    };
    const bench = await startSlashbuild({
      listen: `127.0.0.1:${port}`,
      public_url: `http://127.0.0.1:${port}`,
      mattermost: { token: "bench-token", webhook_url: webhook.url },
      repos,
    });
    const master = await startBuildbot({
      masterCfg: (ports) => {
        bb = bbConfig({
          url: ports.url,
          username: "slashbuild",
          password: "bench-pass",
          status_secret: statusSecret,
          status_url: `http://127.0.0.1:${port}/buildbot/status`,
          workers: [{ name: ports.workerName, password: ports.workerPassword }],
          worker_port: ports.workerPort,
        });
        return generateMasterCfg(bench.config, bb);
      },
    }).catch(async (error: unknown) => {
      await bench.close();
      throw error;
    });
    try {
      if (!bb) throw new Error("master.cfg was not generated");
      // The wiring INTEGRATION.md gives src/app.ts, done here by hand until it is applied.
      const backend = new BuildbotBackend({
        config: bench.config,
        buildbot: bb,
        sink: bench.app.service.applyEvent,
      });
      bench.app.service.attachBackend(backend);
      await bench.app.server.register(buildbotStatusRoute, {
        secret: statusSecret,
        onStatus: (payload) => backend.handleStatusPush(payload),
      });
      await bench.app.start();
      await bench.app.server.listen({ host: "127.0.0.1", port });
      const base = `http://127.0.0.1:${port}`;

      await timeBuild(base, "demo", webhook); // warm-up both paths (mirror clone, worker checkout dir)
      await timeBuild(base, "demo-bb", webhook);
      const local: number[] = [];
      const buildbot: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        local.push(await timeBuild(base, "demo", webhook));
        buildbot.push(await timeBuild(base, "demo-bb", webhook));
      }
      await backend.close();
      local.sort((a, b) => a - b);
      buildbot.sort((a, b) => a - b);
      const ratio = percentile(buildbot, 0.5) / percentile(local, 0.5);
      return {
        table: [
          ["backend", "runs", "median ms", "p90 ms", "min ms", "max ms"],
          summary("embedded runner", local),
          summary("Buildbot (push)", buildbot),
        ],
        verdicts: [
          `median ratio Buildbot / embedded = ${fmt(ratio)}x (target: embedded ≥ 5x faster): ${ratio >= 5 ? "met" : "NOT met"}`,
        ],
        notes: [`${RUNS} runs each, alternating, one \`true\` command, worker on the same machine`],
      };
    } finally {
      await bench.close();
      await master.close();
      await webhook.close();
      repo.close();
    }
  },
};

/** Posts `/build REPO` and resolves with the ms until that build's finish post reached the webhook. */
async function timeBuild(base: string, repo: string, webhook: Awaited<ReturnType<typeof startWebhookSink>>) {
  const t0 = performance.now();
  const answer = await postForm(`${base}/mattermost/command`, slashForm(repo));
  const id = /Queued build \[#(\d+)\]/.exec(answer)?.[1];
  if (!id) throw new Error(`/build ${repo} was not queued: ${answer}`);
  const post = await webhook.waitFor(
    new RegExp(`Build #${id} of [^"]*?(succeeded|failed|cancelled|timed out|interrupted)`),
  );
  if (!/succeeded/.test(post.body)) throw new Error(`build #${id} of ${repo} did not succeed: ${post.body}`);
  return post.at - t0;
}

function postForm(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve(text));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function summary(label: string, sorted: readonly number[]): string[] {
  return [
    label,
    String(sorted.length),
    fmt(percentile(sorted, 0.5), 0),
    fmt(percentile(sorted, 0.9), 0),
    fmt(sorted[0] ?? Number.NaN, 0),
    fmt(sorted.at(-1) ?? Number.NaN, 0),
  ];
}
