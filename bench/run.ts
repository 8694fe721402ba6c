import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, freemem, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { ackThroughput } from "./ack-throughput.js";
import type { Benchmark, BenchReport } from "./benchmark.js";
import { branchHeadsWrite } from "./branch-heads-write.js";
import { buildLimits } from "./build-limits.js";
import { buildToResult } from "./build-to-result.js";
import { failingBuild } from "./failing-build.js";
import { outageBacklog } from "./outage-backlog.js";
import { ackReal } from "./real/ack-real.js";
import { deployAck } from "./real/deploy-ack.js";
import { deployFlat } from "./real/deploy-flat.js";
import { memoryGrowth } from "./real/memory.js";
import { readsAt100k } from "./real/reads.js";
import { stepNetwork } from "./step-network.js";
import { testReports } from "./test-reports.js";
import { testReportTurns } from "./test-reports-turns.js";
import { webLog } from "./web-log.js";

/**
 * `npm run bench`: runs every benchmark in one process, side by side, and prints a Markdown report
 * with the machine and date (docs/benchmarks.md quotes it). `--only NAME-PART` picks benchmarks;
 * `--out FILE` also writes the report. Benchmarks report; they never fail on timing.
 * To add one: write a module exporting a Benchmark (bench/benchmark.ts) and list it here.
 */
const BENCHMARKS: readonly Benchmark[] = [
  ackReal,
  deployAck,
  deployFlat,
  readsAt100k,
  branchHeadsWrite,
  memoryGrowth,
  outageBacklog,
  ackThroughput,
  buildToResult,
  buildLimits,
  webLog,
  failingBuild,
  testReports,
  testReportTurns,
  stepNetwork,
];

const { values } = parseArgs({ options: { only: { type: "string" }, out: { type: "string" } } });
const chosen = BENCHMARKS.filter(
  (b) => !values.only || b.name.toLowerCase().includes(values.only.toLowerCase()),
);

const lines: string[] = ["# slashbuild benchmarks", "", ...machine(), ""];
let failed = false;
for (const benchmark of chosen) {
  lines.push(`## ${benchmark.name}`, "");
  const why = benchmark.unavailable();
  if (why) {
    lines.push(`Not run: ${why}.`, "");
    console.error(`bench: skipped "${benchmark.name}": ${why}`);
    continue;
  }
  console.error(`bench: running "${benchmark.name}" ...`);
  try {
    lines.push(...render(await benchmark.run()), "");
  } catch (error) {
    failed = true;
    lines.push(`Failed to run: ${(error as Error).message}`, "");
    console.error(error);
  }
}

const report = lines.join("\n");
process.stdout.write(`${report}\n`);
if (values.out) writeFileSync(values.out, `${report}\n`);
// A benchmark that could not run is an error (broken setup); slow numbers are not.
process.exitCode = failed ? 1 : 0;

function render(report: BenchReport): string[] {
  const [header, ...rows] = report.table;
  const table = header
    ? [
        `| ${header.join(" | ")} |`,
        `|${header.map(() => " --- ").join("|")}|`,
        ...rows.map((r) => `| ${r.join(" | ")} |`),
      ]
    : [];
  return [
    ...table,
    "",
    ...report.verdicts.map((v) => `- ${v}`),
    ...(report.notes ?? []).map((n) => `- note: ${n}`),
  ];
}

function machine(): string[] {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  let nproc = String(cpus().length);
  try {
    nproc = execFileSync("nproc", { encoding: "utf8" }).trim();
  } catch {
    // nproc missing: os.cpus() is close enough.
  }
  return [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${nproc} CPUs (nproc), ${cpu}; memory ${gib(totalmem())} total, ${gib(freemem())} free at start`,
    `- node ${process.version}, ${process.platform} ${process.arch}`,
  ];
}
