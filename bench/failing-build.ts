import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { createTestRepo } from "../test/helpers/buildbot-git-repo.js";
import { freePort } from "../test/helpers/service-process.js";
import { type Benchmark, fmt } from "./benchmark.js";
import { slashForm, startWebhookSink, TOKEN } from "./slashbuild-fixture.js";

/**
 * A build whose one step prints a 50 MB log, failing and succeeding, in a real `slashbuild serve`
 * process: the service's RSS growth (peak and after the finish post) and the longest /healthz
 * answer while the build finishes, which shows any event-loop block. A failing build reads its
 * log for the chat excerpt; that read must cost no more than the success case (issue 9 item 13).
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SIZE_MB = Number(process.env.BENCH_LOG_MB ?? 50);
const MB = 1024 * 1024;

interface Run {
  readonly baseRss: number;
  readonly peakRss: number;
  readonly afterRss: number;
  readonly maxHealthMs: number;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function runOnce(fail: boolean): Promise<Run> {
  const repo = createTestRepo();
  const webhook = await startWebhookSink();
  const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-bench-fail-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const print = `head -c ${SIZE_MB * MB} /dev/zero | tr '\\000' x | fold -w 99; echo 'error: bench marker'`;
  writeFileSync(
    path.join(dir, "slashbuild.yaml"),
    stringify({
      listen: `127.0.0.1:${port}`,
      public_url: url,
      data_dir: path.join(dir, "data"),
      log_level: "error",
      mattermost: { token: TOKEN, webhook_url: webhook.url },
      runner: { log_limit: `${SIZE_MB + 16}MB` },
      repos: { demo: { url: repo.dir, branch: "main", commands: [`${print}; exit ${fail ? 1 : 0}`] } },
    }),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(HERE, "serve-source.ts"),
      "serve",
      "--config",
      path.join(dir, "slashbuild.yaml"),
    ],
    { stdio: ["ignore", "ignore", "inherit"], env: process.env },
  );
  try {
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (child.exitCode !== null) throw new Error(`slashbuild exited ${child.exitCode}`);
      await sleep(50);
    }
    const pid = child.pid as number;
    // Let start-up settle (mirror clone in the background), then take the baseline.
    await sleep(1000);
    const baseRss = rssOf(pid);
    let peakRss = baseRss;
    let maxHealthMs = 0;
    let done = false;
    const finished = webhook.waitFor(fail ? /failed/ : /succeeded/).then(() => {
      done = true;
    });
    const probe = (async () => {
      while (!done) {
        const start = performance.now();
        await fetch(`${url}/healthz`);
        maxHealthMs = Math.max(maxHealthMs, performance.now() - start);
        peakRss = Math.max(peakRss, rssOf(pid));
        await sleep(10);
      }
    })();
    const answer = await fetch(`${url}/mattermost/command`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: slashForm("demo"),
    });
    if (!answer.ok) throw new Error(`/build answered ${answer.status}`);
    await finished;
    await probe;
    await sleep(500);
    const afterRss = rssOf(pid);
    return { baseRss, peakRss: Math.max(peakRss, afterRss), afterRss, maxHealthMs };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await webhook.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(repo.dir, { recursive: true, force: true });
  }
}

export const failingBuild: Benchmark = {
  name: `A build with a ${SIZE_MB} MB log: failing (chat excerpt) vs succeeding, in a real process`,
  unavailable: () => null,
  async run() {
    const ok = await runOnce(false);
    const failed = await runOnce(true);
    const row = (name: string, r: Run) => [
      name,
      fmt((r.peakRss - r.baseRss) / MB),
      fmt((r.afterRss - r.baseRss) / MB),
      fmt(r.maxHealthMs),
    ];
    const extra = (failed.peakRss - failed.baseRss - (ok.peakRss - ok.baseRss)) / MB;
    return {
      table: [
        [
          "build",
          "RSS growth, peak (MB)",
          "RSS growth after finish post (MB)",
          "slowest /healthz while it ran (ms)",
        ],
        row("succeeds", ok),
        row("fails (excerpt read)", failed),
      ],
      verdicts: [
        `failure excerpt: memory independent of the log's size (target: a failing build costs no more than a succeeding one): ${fmt(extra)} MB more at peak`,
        `event loop stays free while the excerpt is made: slowest /healthz ${fmt(failed.maxHealthMs)} ms (succeeding: ${fmt(ok.maxHealthMs)} ms)`,
      ],
      notes: [
        `the log is ${SIZE_MB} MB of 100-byte lines written by the build's one command (runner.log_limit raised above it); the excerpt reads at most the last 256 KiB`,
      ],
    };
  },
};
