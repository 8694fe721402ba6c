import { type Benchmark, fmt } from "./benchmark.js";
import { type ProbedRun, probeBuild } from "./probed-build.js";

/**
 * A build whose one step prints a 50 MB log, failing and succeeding, in a real `slashbuild serve`
 * process: the service's RSS growth (peak and after the finish post) and the longest /healthz
 * answer while the build finishes, which shows any event-loop block. A failing build reads its
 * log for the chat excerpt; that read must cost no more than the success case (issue 9 item 13).
 */
const SIZE_MB = Number(process.env.BENCH_LOG_MB ?? 50);
const MB = 1024 * 1024;

function runOnce(fail: boolean): Promise<ProbedRun> {
  const print = `head -c ${SIZE_MB * MB} /dev/zero | tr '\\000' x | fold -w 99; echo 'error: bench marker'`;
  return probeBuild({
    runner: { log_limit: `${SIZE_MB + 16}MB` },
    repo: { commands: [`${print}; exit ${fail ? 1 : 0}`] },
  });
}

export const failingBuild: Benchmark = {
  name: `A build with a ${SIZE_MB} MB log: failing (chat excerpt) vs succeeding, in a real process`,
  unavailable: () => null,
  async run() {
    const ok = await runOnce(false);
    const failed = await runOnce(true);
    const row = (name: string, r: ProbedRun) => [
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
