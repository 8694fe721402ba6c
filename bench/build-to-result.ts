import { request } from "node:http";
import { stringify } from "yaml";
import { generateMasterCfg } from "../src/backends/buildbot/generate-master-cfg.js";
import { parseConfig } from "../src/config/load-config.js";
import { createTestRepo } from "../test/helpers/buildbot-git-repo.js";
import { buildbotInstalled, freePort, startBuildbot } from "../test/helpers/buildbot-harness.js";
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
    const repos = {
      demo: { url: repo.dir, branch: "main", commands: ["true"] },
      "demo-bb": { url: repo.dir, branch: "main", commands: ["true"], backend: "buildbot" },
    };
    const document = (buildbot: Record<string, unknown>) => ({
      listen: `127.0.0.1:${port}`,
      public_url: `http://127.0.0.1:${port}`,
      mattermost: { token: "bench-token", webhook_url: webhook.url },
      buildbot,
      repos,
    });
    let section: Record<string, unknown> | undefined;
    // The master first: its ports decide the buildbot: section slashbuild is then started with,
    // so createApp wires the backend and the status route exactly as `serve` does.
    const master = await startBuildbot({
      masterCfg: (ports) => {
        section = {
          url: ports.url,
          username: "slashbuild",
          password: "bench-pass",
          status_secret: statusSecret,
          status_url: `http://127.0.0.1:${port}/buildbot/status`,
          workers: [{ name: ports.workerName, password: ports.workerPassword }],
          worker_port: ports.workerPort,
        };
        const config = parseConfig(stringify(document(section)), { baseDir: "/tmp", env: {} });
        if (!config.buildbot) throw new Error("no buildbot section");
        return generateMasterCfg(config, config.buildbot);
      },
    });
    if (!section) throw new Error("master.cfg was not generated");
    const bench = await startSlashbuild(document(section)).catch(async (error: unknown) => {
      await master.close();
      throw error;
    });
    try {
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
