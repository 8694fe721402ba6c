import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { generateMasterCfg } from "../src/backends/buildbot/generate-master-cfg.js";
import { planSandbox, sandboxCommand } from "../src/backends/local/sandbox/sandbox-plan.js";
import type { Config } from "../src/config/config.js";
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
  name: "/build to posted result: embedded runner (sandboxed) vs Buildbot",
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
      // Explicit, though it is the default: the embedded runner's builds run in the bwrap sandbox.
      runner: { sandbox: "bwrap" },
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
      const startup = sandboxStartup(bench.config);
      return {
        table: [
          ["backend", "runs", "median ms", "p90 ms", "min ms", "max ms"],
          summary("embedded runner (bwrap sandbox)", local),
          summary("Buildbot (push)", buildbot),
          summary("one step: `sh -c true` unsandboxed", startup.plain),
          summary("one step: `sh -c true` in the sandbox", startup.sandboxed),
        ],
        verdicts: [
          `median ratio Buildbot / embedded (sandboxed) = ${fmt(ratio)}x (target: embedded ≥ 10x faster): ${ratio >= 10 ? "met" : "NOT met"}`,
          `sandbox start-up cost per step (median, sandboxed − plain) = ${fmt(percentile(startup.sandboxed, 0.5) - percentile(startup.plain, 0.5))} ms`,
        ],
        notes: [
          `${RUNS} runs each, alternating, one \`true\` command, worker on the same machine`,
          `the sandbox rows spawn the exact command line a step gets (${startup.asRoot ? "as root: bwrap, setpriv, unshare, prlimit" : "unprivileged: bwrap with a user namespace, prlimit"}), ${STARTUP_RUNS} times each`,
        ],
      };
    } finally {
      await bench.close();
      await master.close();
      await webhook.close();
      repo.close();
    }
  },
};

const STARTUP_RUNS = 30;

/** A step's process start-up alone: `sh -c true` as the sandbox runs it, against a plain spawn. */
function sandboxStartup(config: Config): { plain: number[]; sandboxed: number[]; asRoot: boolean } {
  const plan = planSandbox(config);
  const workspace = mkdtempSync(path.join(tmpdir(), "slashbuild-bench-ws-"));
  const sandboxed: number[] = [];
  const plain: number[] = [];
  try {
    const command = sandboxCommand(plan, { network: true }, config.runner.limits, workspace, "true");
    for (let i = 0; i < STARTUP_RUNS; i++) {
      let t0 = performance.now();
      const run = spawnSync(command.file, [...command.args], {
        stdio: ["ignore", "ignore", "ignore", "pipe"],
      });
      sandboxed.push(performance.now() - t0);
      if (run.status !== 0) throw new Error(`the sandbox did not run \`true\`: ${run.status}`);
      t0 = performance.now();
      spawnSync("sh", ["-c", "true"], { cwd: workspace, stdio: "ignore" });
      plain.push(performance.now() - t0);
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
  return {
    plain: plain.sort((a, b) => a - b),
    sandboxed: sandboxed.sort((a, b) => a - b),
    asRoot: plan.asRoot,
  };
}

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
