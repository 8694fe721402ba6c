import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { generateMasterCfg } from "../src/backends/buildbot/generate-master-cfg.js";
import { planSandbox, sandboxCommand } from "../src/backends/local/sandbox/sandbox-plan.js";
import { inputFiles } from "../src/backends/local/sandbox/sandbox-stdio.js";
import type { Config } from "../src/config/config.js";
import { parseConfig } from "../src/config/load-config.js";
import { createTestRepo } from "../test/helpers/buildbot-git-repo.js";
import { buildbotInstalled, freePort, startBuildbot } from "../test/helpers/buildbot-harness.js";
import { type Benchmark, fmt } from "./benchmark.js";
import { percentile } from "./load.js";
import { ServeProcess, slashForm, TOKEN } from "./real/serve-process.js";
import { startWebhookSink, type WebhookSink } from "./slashbuild-fixture.js";

/**
 * From `/build` to the finish post arriving at the (fake, loopback) Mattermost webhook, for a
 * one-command build (`true`), on the real `slashbuild serve` process (bin/slashbuild.js on dist/,
 * a YAML config, SQLite on disk): `demo` on the embedded runner (sandboxed, the default) against
 * `demo-bb`, the same repository and command on a real Buildbot master and worker, through the
 * same process, alternating so both see the same machine state. Buildbot's status returns by
 * HttpStatusPush, as deployed. Where the embedded build's time goes: bench/real/build-timeline.ts.
 */

const RUNS = Number(process.env.BENCH_BUILD_RUNS ?? 10);
const WARMUP = 2;

export const buildToResult: Benchmark = {
  name: "/build to posted result: embedded runner (sandboxed) vs Buildbot, on the real serve process",
  unavailable: () => (buildbotInstalled() ? null : "/usr/bin/buildbot is not installed"),
  async run() {
    const repo = createTestRepo();
    const webhook = await startWebhookSink();
    const port = await freePort();
    const document = (buildbot: Record<string, unknown>) => ({
      listen: `127.0.0.1:${port}`,
      public_url: `http://127.0.0.1:${port}`,
      // Explicit, though it is the default: the embedded runner's builds run in the bwrap sandbox.
      runner: { sandbox: "bwrap" },
      mattermost: { token: TOKEN, webhook_url: webhook.url },
      buildbot,
      repos: {
        demo: { url: repo.dir, branch: "main", commands: ["true"] },
        "demo-bb": { url: repo.dir, branch: "main", commands: ["true"], backend: "buildbot" },
      },
    });
    let section: Record<string, unknown> | undefined;
    // The master first: its ports decide the buildbot: section slashbuild is then started with.
    const master = await startBuildbot({
      user: { name: "slashbuild", password: "bench-pass" },
      masterCfg: (ports) => {
        section = {
          url: ports.url,
          username: "slashbuild",
          password: "bench-pass",
          status_secret: "bench-status-secret-000",
          status_url: `http://127.0.0.1:${port}/buildbot/status`,
          workers: [{ name: ports.workerName, password: ports.workerPassword }],
          worker_port: ports.workerPort,
        };
        const config = parseConfig(stringify(document(section)), { baseDir: tmpdir(), env: {} });
        if (!config.buildbot) throw new Error("no buildbot section");
        return generateMasterCfg(config, config.buildbot);
      },
    });
    let serve: ServeProcess | undefined;
    try {
      if (!section) throw new Error("master.cfg was not generated");
      const { listen: _l, public_url: _p, ...config } = document(section);
      serve = await ServeProcess.start({ config, port });
      // Warm-up: the mirror's first fetch, the worker's first checkout, both code paths.
      for (let i = 0; i < WARMUP; i++) {
        await timeBuild(serve.url, "demo", webhook);
        await timeBuild(serve.url, "demo-bb", webhook);
      }
      const local: number[] = [];
      const buildbot: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        local.push(await timeBuild(serve.url, "demo", webhook));
        buildbot.push(await timeBuild(serve.url, "demo-bb", webhook));
      }
      local.sort((a, b) => a - b);
      buildbot.sort((a, b) => a - b);
      const ratio = percentile(buildbot, 0.5) / percentile(local, 0.5);
      const startup = sandboxStartup(
        parseConfig(stringify(document(section)), { baseDir: tmpdir(), env: {} }),
      );
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
          `real \`slashbuild serve\` (bin/slashbuild.js, dist/), webhook mode to a loopback sink; ${RUNS} runs each, alternating, after ${WARMUP} warm-up runs each; one \`true\` command; Buildbot worker on the same machine`,
          `the sandbox rows spawn the exact command line a step gets from the bench process (${startup.asRoot ? "as root: bwrap, setpriv, unshare, prlimit" : "unprivileged: bwrap with a user namespace, prlimit"}), ${STARTUP_RUNS} times each`,
        ],
      };
    } finally {
      await serve?.stop();
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
    // The sandbox alone: the network a step gets by default is measured in step-network.ts.
    const command = sandboxCommand(plan, { network: "host" }, config.runner.limits, workspace, "true");
    for (let i = 0; i < STARTUP_RUNS; i++) {
      // The seccomp program on its fd, as every sandbox gets it (read from a file: a sync spawn).
      const inputs = inputFiles(command, workspace);
      let t0 = performance.now();
      const run = spawnSync(command.file, [...command.args], { stdio: inputs.stdio });
      inputs.close();
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
export async function timeBuild(base: string, repo: string, webhook: WebhookSink): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(`${base}/mattermost/command`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: slashForm(repo),
  });
  const answer = await response.text();
  const id = /Queued build \[#(\d+)\]/.exec(answer)?.[1];
  if (!id) throw new Error(`/build ${repo} was not queued: ${answer}`);
  const post = await webhook.waitFor(
    new RegExp(`Build #${id} of [^"]*?(succeeded|failed|cancelled|timed out|interrupted)`),
  );
  if (!/succeeded/.test(post.body)) throw new Error(`build #${id} of ${repo} did not succeed: ${post.body}`);
  return post.at - t0;
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
