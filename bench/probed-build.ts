import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { createTestRepo } from "../test/helpers/buildbot-git-repo.js";
import { freePort } from "../test/helpers/service-process.js";
import { slashForm, startWebhookSink, TOKEN } from "./slashbuild-fixture.js";

/**
 * One repo's builds in a real `slashbuild serve` process of its own (from the sources,
 * serve-source.ts), webhook mode against a loopback sink, watched while the last one runs: the
 * service's VmRSS from /proc every ~10 ms, and /healthz called back to back, whose slowest answer
 * shows the longest event-loop block. Used by failing-build.ts (a 50 MB log) and test-reports.ts.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface ProbedRun {
  readonly baseRss: number;
  readonly peakRss: number;
  readonly afterRss: number;
  readonly maxHealthMs: number;
  /** From the last /build to its finish post. */
  readonly buildMs: number;
}

export interface ProbedBuild {
  /** The repo `demo`'s keys besides url and branch (commands, test_reports). */
  readonly repo: Record<string, unknown>;
  readonly runner?: Record<string, unknown>;
  /** Builds of the same commit, one after the other; the last is the one watched. Default 1. */
  readonly builds?: number;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

export async function probeBuild(options: ProbedBuild): Promise<ProbedRun> {
  const repo = createTestRepo();
  const webhook = await startWebhookSink();
  const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-bench-probed-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    path.join(dir, "slashbuild.yaml"),
    stringify({
      listen: `127.0.0.1:${port}`,
      public_url: url,
      data_dir: path.join(dir, "data"),
      log_level: "error",
      mattermost: { token: TOKEN, webhook_url: webhook.url },
      ...(options.runner ? { runner: options.runner } : {}),
      repos: { demo: { url: repo.dir, branch: "main", ...options.repo } },
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
  const build = async (n: number) => {
    const answer = await fetch(`${url}/mattermost/command`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: slashForm("demo"),
    });
    if (!answer.ok) throw new Error(`/build answered ${answer.status}`);
    await webhook.waitFor(new RegExp(`#${n}\\].*(failed|succeeded)`));
  };
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
    const builds = options.builds ?? 1;
    for (let n = 1; n < builds; n++) await build(n);
    // Let start-up (mirror clone in the background) or the builds before settle, then take the baseline.
    await sleep(1000);
    const baseRss = rssOf(pid);
    let peakRss = baseRss;
    let maxHealthMs = 0;
    let done = false;
    const probe = (async () => {
      while (!done) {
        const start = performance.now();
        await fetch(`${url}/healthz`);
        maxHealthMs = Math.max(maxHealthMs, performance.now() - start);
        peakRss = Math.max(peakRss, rssOf(pid));
        await sleep(10);
      }
    })();
    const started = performance.now();
    await build(builds).finally(() => {
      done = true;
    });
    const buildMs = performance.now() - started;
    await probe;
    await sleep(500);
    const afterRss = rssOf(pid);
    return { baseRss, peakRss: Math.max(peakRss, afterRss), afterRss, maxHealthMs, buildMs };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await webhook.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(repo.dir, { recursive: true, force: true });
  }
}
