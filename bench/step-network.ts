import { spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runStep } from "../src/backends/local/run-step.js";
import { planSandbox, sandboxCommand } from "../src/backends/local/sandbox/sandbox-plan.js";
import { StepLog } from "../src/backends/local/step-log.js";
import type { BuildNetwork } from "../src/config/config.js";
import { makeConfig } from "../test/helpers/make-config.js";
import { type Benchmark, fmt } from "./benchmark.js";

const RUNS = Number(process.env.BENCH_NETWORK_RUNS ?? 40);

/** The rows, in the order they are measured (interleaved, so load drifts hit them alike). */
const VARIANTS: readonly { readonly label: string; readonly network: BuildNetwork | null }[] = [
  { label: "no sandbox (`sh -c true`)", network: null },
  { label: "sandbox, `network: host` (the sandbox's own start-up)", network: "host" },
  { label: "sandbox, `network: false` (a namespace with loopback only)", network: false },
  { label: "sandbox, `network: true` (own namespace + slirp4netns + routes: the default)", network: true },
];

/**
 * What a build's own network costs per step, beside the sandbox's start-up: one step (`true`)
 * run by runStep exactly as a build runs it, from spawn to everything ended (bwrap, and for
 * `network: true` slirp4netns too), in each network mode, side by side in one run.
 */
export const stepNetwork: Benchmark = {
  name: "Per-step cost of the build's network (issue 18)",
  unavailable() {
    for (const [tool, pkg] of [
      ["bwrap", "bubblewrap"],
      ["slirp4netns", "slirp4netns"],
    ] as const) {
      if (spawnSync(tool, ["--version"], { stdio: "ignore" }).status !== 0)
        return `${tool} (${pkg}) is not installed`;
    }
    return null;
  },
  async run() {
    const config = makeConfig();
    const plan = planSandbox(config);
    const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-bench-net-"));
    const times = VARIANTS.map(() => [] as number[]);
    try {
      const ws = mkdtempSync(path.join(dir, "ws-"));
      if (plan.asRoot) chownSync(ws, plan.hostUid, plan.hostGid);
      for (let i = 0; i < RUNS; i++) {
        for (const [index, variant] of VARIANTS.entries()) {
          const log = new StepLog({ file: path.join(dir, "step.log"), limitBytes: 10_000, secrets: [] });
          const started = performance.now();
          const result = await runStep({
            command: "true",
            cwd: ws,
            env: { PATH: "/usr/bin:/bin" },
            log,
            signal: new AbortController().signal,
            killGraceMs: 1000,
            sandbox:
              variant.network === null
                ? null
                : sandboxCommand(plan, { network: variant.network }, config.runner.limits, ws, "true"),
          });
          times[index]?.push(performance.now() - started);
          await log.close();
          if (result.exitCode !== 0) throw new Error(`${variant.label}: the step exited ${result.exitCode}`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const sorted = times.map((list) => [...list].sort((a, b) => a - b));
    const median = (list: readonly number[]) => list[Math.floor(list.length / 2)] ?? Number.NaN;
    const p90 = (list: readonly number[]) => list[Math.floor(list.length * 0.9)] ?? Number.NaN;
    const host = median(sorted[1] ?? []);
    const own = median(sorted[3] ?? []);
    return {
      table: [
        ["one step of `true`, through runStep", "median ms", "p90 ms", "median over `network: host`"],
        ...VARIANTS.map((variant, index) => {
          const list = sorted[index] ?? [];
          return [
            variant.label,
            fmt(median(list)),
            fmt(p90(list)),
            variant.network === null
              ? ""
              : `${median(list) - host >= 0 ? "+" : ""}${fmt(median(list) - host)}`,
          ];
        }),
      ],
      verdicts: [
        `a network of its own costs ${fmt(own - host)} ms per step over the sandbox without it (medians, ${RUNS} steps each, ${plan.asRoot ? "as root: bwrap, setpriv, unshare" : "unprivileged: bwrap with a user namespace, unshare"})`,
      ],
      notes: [
        "each step is timed from spawn until runStep has ended everything of it, slirp4netns included",
        "the four modes are interleaved step by step; BENCH_NETWORK_RUNS sets the number of steps",
      ],
    };
  },
};
