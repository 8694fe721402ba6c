import { spawnSync } from "node:child_process";
import { statfsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { measureDiskUsage } from "../src/backends/local/measure-disk-usage.js";
import { prepareCgroups } from "../src/backends/local/sandbox/prepare-cgroups.js";
import { effectiveLimits } from "../src/backends/local/sandbox/sandbox-limits.js";
import {
  planSandbox,
  type SandboxedCommand,
  sandboxCommand,
} from "../src/backends/local/sandbox/sandbox-plan.js";
import { inputFiles } from "../src/backends/local/sandbox/sandbox-stdio.js";
import { parseConfig } from "../src/config/load-config.js";
import { type Benchmark, fmt } from "./benchmark.js";
import { percentile } from "./load.js";

const RUNS = 30;
/** For a 1 ms synchronous pause (nothing else may run inside a measured step). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
const TICKS = 1000;

/**
 * What issue 18's limits cost a build: a step started in a cgroup of its own (made, joined by
 * the step's shell, removed) against the same sandboxed step without, and limits.disk's check: one
 * statfs per second, and a walk of the workspace when the filesystem grew (for 1,000 and 20,000
 * files, as a checkout and its build outputs might hold).
 */
export const buildLimits: Benchmark = {
  name: "build limits: a step's cgroup, and limits.disk's check",
  unavailable: () => null,
  async run() {
    const dataDir = await mkdtemp(path.join(tmpdir(), "slashbuild-bench-limits-"));
    const config = parseConfig(
      `public_url: http://127.0.0.1:1\ndata_dir: ${JSON.stringify(dataDir)}\nmattermost: {token: bench-token}\nrepos: {app: {url: /x, commands: ["true"]}}\n`,
      { baseDir: dataDir, env: {} },
    );
    const cgroups = prepareCgroups(config);
    try {
      const steps = stepStartup(config, cgroups);
      const tick = statfsTick(dataDir);
      const walks = [];
      for (const files of [1000, 20_000]) walks.push(await walk(path.join(dataDir, `ws-${files}`), files));
      return {
        table: [
          ["what", "runs", "median ms", "p90 ms", "min ms", "max ms"],
          summary("one step: `sh -c true` in the sandbox", steps.plain),
          summary(
            `the same in a cgroup of its own (${cgroups ? `cgroup ${cgroups.version}` : "none here"})`,
            steps.cgroup,
          ),
          summary("limits.disk tick: one statfs", tick),
          ...walks.map(({ files, times }) => summary(`limits.disk walk: ${files} files`, times)),
        ],
        verdicts: [
          `cgroup cost per step (median, with − without) = ${cgroups ? fmt(percentile(steps.cgroup, 0.5) - percentile(steps.plain, 0.5)) : "n/a"} ms`,
        ],
        notes: [
          `${cgroups ? "" : "no cgroup can be had here (run as root): the cgroup row is empty. "}The walk runs only when the workspace's filesystem grew by the build's room left under limits.disk, and at least every 30 s; between walks a build costs one statfs a second.`,
        ],
      };
    } finally {
      cgroups?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};

function stepStartup(
  config: ReturnType<typeof parseConfig>,
  cgroups: ReturnType<typeof prepareCgroups>,
): { plain: number[]; cgroup: number[] } {
  const plan = planSandbox(config);
  const workspace = config.dataDir;
  const plain: number[] = [];
  const cgroup: number[] = [];
  const limits = effectiveLimits(config.runner.limits, undefined);
  for (let i = 0; i < RUNS; i++) {
    let t0 = performance.now();
    // The sandbox and its cgroup alone: the network a step gets by default is in step-network.ts.
    const command = sandboxCommand(plan, { network: "host" }, config.runner.limits, workspace, "true");
    run(command, workspace);
    plain.push(performance.now() - t0);
    if (!cgroups) continue;
    t0 = performance.now();
    const step = cgroups.forStep(`bench-${i}`, limits);
    const joined = step.wrap(
      sandboxCommand(plan, { network: "host" }, config.runner.limits, workspace, "true"),
    );
    run(joined, workspace);
    // As a step ends: its sandbox is gone once bwrap has exited and its init with it.
    while (!step.remove()) Atomics.wait(PAUSE, 0, 0, 1);
    cgroup.push(performance.now() - t0);
  }
  return { plain: plain.sort((a, b) => a - b), cgroup: cgroup.sort((a, b) => a - b) };
}

/** Runs a sandboxed command to its end, its inputs (the seccomp program) read from files in `dir`. */
function run(command: SandboxedCommand, dir: string): void {
  const inputs = inputFiles(command, dir);
  const result = spawnSync(command.file, [...command.args], { stdio: inputs.stdio, encoding: "utf8" });
  inputs.close();
  if (result.status !== 0) throw new Error(`the sandbox did not run \`true\`: ${result.stderr}`);
}

function statfsTick(dir: string): number[] {
  const times: number[] = [];
  for (let i = 0; i < TICKS; i++) {
    const t0 = performance.now();
    statfsSync(dir);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

/** A workspace of `files` small files in folders of 100, walked whole 5 times. */
async function walk(dir: string, files: number): Promise<{ files: number; times: number[] }> {
  for (let d = 0; d < files / 100; d++) {
    const folder = path.join(dir, `d${d}`);
    await mkdir(folder, { recursive: true });
    await Promise.all(
      Array.from({ length: 100 }, (_, f) => writeFile(path.join(folder, `f${f}`), "x".repeat(300))),
    );
  }
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await measureDiskUsage(dir);
    times.push(performance.now() - t0);
  }
  return { files, times: times.sort((a, b) => a - b) };
}

function summary(label: string, sorted: readonly number[]): string[] {
  const ms = (n: number | undefined) =>
    fmt(n ?? Number.NaN, sorted[0] !== undefined && sorted[0] < 1 ? 3 : 0);
  return [
    label,
    String(sorted.length),
    ms(percentile(sorted, 0.5)),
    ms(percentile(sorted, 0.9)),
    ms(sorted[0]),
    ms(sorted.at(-1)),
  ];
}
