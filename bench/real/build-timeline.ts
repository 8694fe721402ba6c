import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createTestRepo } from "../../test/helpers/buildbot-git-repo.js";
import { percentile } from "../load.js";
import { startWebhookSink } from "../slashbuild-fixture.js";
import { ServeProcess, slashForm } from "./serve-process.js";

/**
 * Not a benchmark: the profiling aid for `/build` to result on the embedded runner. Runs the real
 * `slashbuild serve` (dist/) at `log_level: debug`, sends `/build demo` N times one after another,
 * and reads the build timeline the service logs (runner queue and start, commit resolved, working
 * copy, chown, each step's spawn and exit, finish, each status post picked and sent) against the
 * moment `/build` was sent and the moment the finish post reached the loopback webhook.
 *
 *   npx tsx bench/real/build-timeline.ts [RUNS] [--strace]
 *
 * `--strace` also attaches `strace -f` to the server for the measured builds and counts the
 * processes (clone/fork) and programs (execve) one build starts: on a VM where a process start
 * costs milliseconds, that count is most of a trivial build's time. (strace slows every process
 * down: the timeline of a --strace run is not representative; its counts are.)
 */

interface Line {
  readonly time: number;
  readonly msg: string;
  readonly buildId?: number;
  readonly phase?: string;
  readonly step?: number;
  readonly kind?: string;
  readonly fetched?: boolean;
}

const args = process.argv.slice(2);
const RUNS = Number(args.find((a) => /^\d+$/.test(a)) ?? 20);
const STRACE = args.includes("--strace");

const repo = createTestRepo();
const webhook = await startWebhookSink();
const lines: Line[] = [];
let partial = "";
const serve = await ServeProcess.start({
  config: {
    log_level: "debug",
    mattermost: { webhook_url: webhook.url },
    runner: { sandbox: "bwrap" },
    repos: { demo: { url: repo.dir, branch: "main", commands: ["true"] } },
  },
  onStderr: (chunk) => {
    const text = partial + chunk;
    const complete = text.split("\n");
    partial = complete.pop() ?? "";
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as Line);
      } catch {
        // not a log line
      }
    }
  },
});

interface Run {
  readonly id: number;
  readonly sent: number;
  readonly acked: number;
  readonly posted: number;
}

async function build(): Promise<Run> {
  const sent = Date.now();
  const response = await fetch(`${serve.url}/mattermost/command`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: slashForm("demo"),
  });
  const answer = await response.text();
  const acked = Date.now();
  const id = Number(/Queued build \[#(\d+)\]/.exec(answer)?.[1]);
  if (!id) throw new Error(`not queued: ${answer}`);
  const post = await webhook.waitFor(new RegExp(`Build #${id} of [^"]*?(succeeded|failed)`));
  return { id, sent, acked, posted: performance.timeOrigin + post.at };
}

let strace: ChildProcess | null = null;
const traceDir = mkdtempSync(path.join(tmpdir(), "slashbuild-timeline-"));
const traceFile = path.join(traceDir, "strace.txt");
try {
  for (let i = 0; i < 3; i++) await build(); // warm-up: the mirror's first fetch
  if (STRACE) {
    strace = spawn(
      "strace",
      [
        "-f",
        "-qq",
        "-e",
        "trace=execve,clone,clone3,fork,vfork",
        "-o",
        traceFile,
        "-p",
        String(serve.child.pid),
      ],
      { stdio: "ignore" },
    );
    await sleep(1000);
  }
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await build());
  if (strace) {
    strace.kill("SIGINT");
    await sleep(500);
  }
  report(runs);
  if (STRACE) countProcesses(RUNS);
} finally {
  await serve.stop();
  await webhook.close();
  repo.close();
  rmSync(traceDir, { recursive: true, force: true });
}

function report(runs: readonly Run[]): void {
  const rows = new Map<string, number[]>();
  const add = (label: string, ms: number) => rows.set(label, [...(rows.get(label) ?? []), ms]);
  let fetched = 0;
  for (const run of runs) {
    const mine = lines.filter((l) => l.buildId === run.id);
    add("ack (answer received)", run.acked - run.sent);
    for (const line of mine) {
      const label =
        line.msg === "build timeline"
          ? `runner: ${line.phase}${line.step === undefined ? "" : ` ${line.step}`}`
          : line.msg === "status post picked" || line.msg === "status post sent"
            ? `outbox: ${line.kind} ${line.msg.slice("status post ".length)}`
            : null;
      if (label) add(label, line.time - run.sent);
    }
    add("webhook: finish post arrived", run.posted - run.sent);
  }
  for (const line of lines) if (line.msg === "commit resolved" && line.fetched) fetched++;
  console.log(`| moment (ms after /build was sent) | median | p90 |`);
  console.log(`| --- | --- | --- |`);
  const sorted = [...rows].sort(
    ([, a], [, b]) => percentile(ascending(a), 0.5) - percentile(ascending(b), 0.5),
  );
  for (const [label, values] of sorted) {
    const v = ascending(values);
    console.log(`| ${label} | ${percentile(v, 0.5).toFixed(0)} | ${percentile(v, 0.9).toFixed(0)} |`);
  }
  console.log(`\n${runs.length} builds; ${fetched} of all resolves (warm-up included) fetched the mirror.`);
  console.log("(service log times are whole milliseconds)");
}

function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function countProcesses(builds: number): void {
  const text = readFileSync(traceFile, "utf8");
  // A program started: an execve that did not fail (strace -f splits some into "unfinished" + "resumed").
  const execs = [...text.matchAll(/^\d+ +execve\("([^"]+)"(.*)$/gm)]
    .filter((m) => !/= -1 /.test(m[2] ?? ""))
    .map((m) => path.basename(m[1] ?? ""));
  const forks = [...text.matchAll(/(clone|clone3|fork|vfork)\([^\n]*= (\d+)$/gm)].filter(
    (m) => !(m[0] ?? "").includes("CLONE_THREAD"),
  ).length;
  const byProgram = new Map<string, number>();
  for (const program of execs) byProgram.set(program, (byProgram.get(program) ?? 0) + 1);
  console.log(
    `\nper build (strace -f over ${builds} builds): ${(forks / builds).toFixed(1)} processes started, ${(execs.length / builds).toFixed(1)} programs executed`,
  );
  for (const [program, count] of [...byProgram].sort((a, b) => b[1] - a[1]))
    console.log(`  ${program}: ${(count / builds).toFixed(1)}`);
}
