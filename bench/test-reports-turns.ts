import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { TestReportCollector } from "../src/backends/local/collect-test-reports.js";
import { DEFAULT_TEST_REPORT_LIMITS } from "../src/config/config.js";
import { openDatabase } from "../src/store/open-database.js";
import { SqliteBuildStore } from "../src/store/sqlite-build-store.js";
import { makeNewBuild } from "../test/fakes/make-build.js";
import { type Benchmark, fmt } from "./benchmark.js";
import { bigReportCommand, bigReportShape, FILES, manyReportsCommand, SIZE_MB } from "./test-reports.js";

/**
 * The reading of test reports alone, in this process, as the runner does it after a step
 * (TestReportCollector over a real working copy and a real SQLite store), watched turn by turn of
 * the event loop: a setImmediate ticker records the longest stretch between two turns, in wall
 * time and in this process's CPU time. On a shared, loaded machine the wall time includes the
 * scheduler's preemption; the CPU time does not, so it is the closer measure of how long one
 * synchronous step of the reader runs (it over-counts slightly: other threads' CPU is in it). The
 * heap and RSS are sampled every 10 ms; a tenth of the report's size is read too, so memory that
 * grew with the size would show; after each reading a full collection tells what it kept from its
 * garbage. One reading of the small report first warms V8 up. Target (issue 21): no stretch over 50 ms, memory independent of
 * the report's size.
 */
const MB = 1024 * 1024;
const SHA = "b".repeat(40);

/** A full collection before and after each reading, so what it kept is told from its garbage. */
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

interface Turns {
  readonly maxWallMs: number;
  readonly maxCpuMs: number;
  /** The 99th percentile of the stretches' CPU time: the reader's usual step, without the rare GC or JIT pause. */
  readonly p99CpuMs: number;
  readonly heapGrowth: number;
  /** Heap still held after the reading, once collected. */
  readonly heapKept: number;
  readonly rssGrowth: number;
  readonly totalMs: number;
}

/** Runs `work` while the ticker and the memory sampler watch. */
async function watched(work: () => Promise<void>): Promise<Turns> {
  await sleep(200);
  gc();
  const baseHeap = process.memoryUsage().heapUsed;
  const baseRss = process.memoryUsage.rss();
  let peakHeap = baseHeap;
  let peakRss = baseRss;
  let maxWallMs = 0;
  let maxCpuMs = 0;
  const stretches: number[] = [];
  let running = true;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const tick = () => {
    // After the reading the full collection below runs: not the reader's stretch.
    if (!running) return;
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    maxWallMs = Math.max(maxWallMs, now - last);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    maxCpuMs = Math.max(maxCpuMs, cpuMs);
    stretches.push(cpuMs);
    last = now;
    lastCpu = process.cpuUsage();
    setImmediate(tick);
  };
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 10);
  setImmediate(tick);
  const started = performance.now();
  try {
    await work();
  } finally {
    running = false;
    clearInterval(sampler);
  }
  const totalMs = performance.now() - started;
  stretches.sort((a, b) => a - b);
  gc();
  return {
    maxWallMs,
    maxCpuMs,
    p99CpuMs: stretches[Math.floor(stretches.length * 0.99)] ?? 0,
    heapGrowth: peakHeap - baseHeap,
    heapKept: process.memoryUsage().heapUsed - baseHeap,
    rssGrowth: peakRss - baseRss,
    totalMs,
  };
}

/** A working copy holding what `command` writes (the real-process benchmark's build commands, without their exit 1). */
function workspaceOf(root: string, name: string, command: string): string {
  const workspace = path.join(root, name);
  mkdirSync(workspace);
  execFileSync("sh", ["-c", command.replace(/ && exit 1$/, "")], { cwd: workspace });
  return workspace;
}

async function readReports(
  store: SqliteBuildStore,
  workspace: string,
  glob: string,
  builds = 1,
): Promise<Turns> {
  const collector = () => {
    const id = store.create(makeNewBuild()).id;
    return new TestReportCollector({
      build: { id, repo: "app" },
      globs: [glob],
      workspace,
      logFile: () => path.join(workspace, "no-log"),
      limits: DEFAULT_TEST_REPORT_LIMITS,
      secrets: ["bench-secret-value"],
      store: store.tests,
    });
  };
  for (let n = 1; n < builds; n++) await collector().afterStep(0, SHA, new AbortController().signal);
  const last = collector();
  return watched(() => last.afterStep(0, SHA, new AbortController().signal));
}

export const testReportTurns: Benchmark = {
  name: `Test reports: reading a ${SIZE_MB} MB report and ${FILES.toLocaleString("en")} files, turn by turn of the event loop`,
  unavailable: () => null,
  async run() {
    const root = mkdtempSync(path.join(tmpdir(), "slashbuild-bench-turns-"));
    try {
      const tenth = bigReportShape(SIZE_MB / 10);
      const big = bigReportShape();
      const small = workspaceOf(root, "small", bigReportCommand(tenth.cases));
      const large = workspaceOf(root, "large", bigReportCommand(big.cases));
      const many = workspaceOf(root, "many", manyReportsCommand());
      const store = new SqliteBuildStore(openDatabase(path.join(root, "bench.db")));
      // Warm-up: V8 compiles the reader on background threads, whose CPU the first reading would show.
      await readReports(store, small, "reports/*.xml");
      const runs: [string, Turns][] = [
        [`${SIZE_MB / 10} MB report`, await readReports(store, small, "reports/*.xml")],
        [`${SIZE_MB} MB report`, await readReports(store, large, "reports/*.xml")],
        [
          `${SIZE_MB} MB report, rebuild of its commit (a flaky lookup per passed test)`,
          await readReports(store, large, "reports/*.xml", 2),
        ],
        [`${FILES} report files in 100 folders`, await readReports(store, many, "reports/**/*.xml")],
      ];
      const worst = (key: "maxWallMs" | "maxCpuMs" | "p99CpuMs") => Math.max(...runs.map(([, t]) => t[key]));
      const byName = new Map(runs);
      const heap = (name: string) => (byName.get(name)?.heapGrowth ?? Number.NaN) / MB;
      return {
        table: [
          [
            "reports read",
            "stretch between turns, CPU, p99 (ms)",
            "longest, CPU (ms)",
            "same, wall (ms)",
            "heap growth, peak (MB)",
            "heap kept after (MB)",
            "RSS growth, peak (MB)",
            "read in (s)",
          ],
          ...runs.map(([name, t]) => [
            name,
            fmt(t.p99CpuMs),
            fmt(t.maxCpuMs),
            fmt(t.maxWallMs),
            fmt(t.heapGrowth / MB),
            fmt(t.heapKept / MB),
            fmt(t.rssGrowth / MB),
            fmt(t.totalMs / 1000, 2),
          ]),
        ],
        verdicts: [
          `event loop (target: never blocked over 50 ms): 99% of the stretches between two turns under ${fmt(worst("p99CpuMs"))} ms of CPU; the longest ${fmt(worst("maxCpuMs"))} ms of CPU (the process's: V8's parallel GC and compiler threads count), ${fmt(worst("maxWallMs"))} ms of wall time (the scheduler's preemption counts)`,
          `memory independent of the report's size (target): heap peak ${fmt(heap(`${SIZE_MB / 10} MB report`))} MB reading ${SIZE_MB / 10} MB, ${fmt(heap(`${SIZE_MB} MB report`))} MB reading ${SIZE_MB} MB`,
        ],
        notes: [
          `the reports are those of the real-process benchmark above (${big.bytes} bytes, ${big.cases} testcases, 1 in 100 failing; ${FILES} files of 10 testcases); the collector is the runner's, with runner.test_reports' defaults`,
        ],
      };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
