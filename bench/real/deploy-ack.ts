import { rmSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { createTestRepo } from "../../test/helpers/buildbot-git-repo.js";
import { type Benchmark, fmt } from "../benchmark.js";
import { startWebhookSink } from "../slashbuild-fixture.js";
import { assertEveryAnswerStored, lastBuildId, serveConfig } from "./ack-real.js";
import { autocannonBodies, type BodiesResult } from "./autocannon-bodies.js";
import { createCommitRepo } from "./commit-repo.js";
import { seedDeploys, seedGreenBuilds } from "./seed-deploys.js";
import { seedDataDir } from "./seed-history.js";
import { ServeProcess, slashForm } from "./serve-process.js";

/**
 * Issue 20's speed target: answering `/build deploy` costs what the `/build` acknowledgement costs,
 * at 100k builds and 10k deploys of history. One real `slashbuild serve` process on one seeded data
 * dir, loaded by autocannon from its own process, in alternating rounds so both sides see the same
 * machine: `/build hello --again` (each stores a queued build) and `/build deploy lib production
 * <revision>`, each naming another green commit of `lib`'s main, so each is admitted, stores a
 * deploy (and its held build) waiting for approval and supersedes the one that waited before it.
 *
 * The commits are real (a repository of COMMITS commits, mirrored by one real build of `lib` before
 * the load), so the work a deploy request leaves for after its answer (reading the commits it adds
 * from the mirror, posting the approval request and the superseded notice) is real too. Both sides
 * go through the same load process, which reads every answer: a round fails unless each one was an
 * admission (or, for /build, a queued build) and the rows stored equal the requests answered.
 */

const CONNECTIONS = 8;
const SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 10);
const ROUNDS = 2;
const HISTORY = 100_000;
/** Green commits of lib's main; requests cycle through all but the first (the deployed one). */
const COMMITS = 20_000;
const QUEUED = 10_000;
const DEPLOYS = 10_000;
const HEADERS = { "content-type": "application/x-www-form-urlencoded" };
const ADMITTED = /waits for 1 approval[\s\S]*It replaces deploy/;
/** Answers are JSON: the text starts at its key. */
const QUEUED_BUILD = /"text":"Queued build/;

export const deployAck: Benchmark = {
  name: "/build deploy answer vs /build acknowledgement at 100k builds and 10k deploys (real serve process)",
  unavailable: () => null,
  async run() {
    const repo = createTestRepo();
    const commits = createCommitRepo(COMMITS);
    const sink = await startWebhookSink();
    const dataDir = seedDataDir({
      finished: HISTORY - COMMITS,
      queued: QUEUED,
      repos: ["hello", "lib", "web", "docs"],
      queuedRepo: "hello",
    });
    const [deployed = "", ...revisions] = commits.shas;
    seedGreenBuilds(dataDir, { repo: "lib", branch: "main", shas: commits.shas });
    seedDeploys(dataDir, { repo: "lib", environment: "production", count: DEPLOYS, revision: deployed });
    const serve = await ServeProcess.start({
      config: deployConfig(repo.dir, commits.dir, sink.url),
      dataDir,
    });
    try {
      // A build of lib makes its mirror (a deploy reads the commits it adds from it); then hello's
      // first build takes the runner, so every later one stays queued.
      await waitFinished(dataDir, buildNumber(await slash(serve.url, "lib")));
      const first = await slash(serve.url, "hello");
      const request = await slash(serve.url, `deploy lib production ${revisions[0]}`);
      if (!/waits for 1 approval/.test(request))
        throw new Error(`the first deploy request did not wait for approval: ${request}`);
      const deployBodies = revisions.map((sha) => slashForm(`deploy lib production ${sha}`));
      let next = 1;
      const load = (side: "ack" | "deploy") =>
        side === "ack"
          ? { bodies: [slashForm("hello --again")], expect: QUEUED_BUILD }
          : { bodies: deployBodies, expect: ADMITTED, start: next };
      const ack: Point[] = [];
      const deploy: Point[] = [];
      // The server's CPU per answered request: far less disturbed by other load than the p99.
      const measure = async (side: "ack" | "deploy", seconds: number): Promise<Point> => {
        const table = side === "ack" ? "builds" : "deploys";
        const before = countRows(dataDir, table);
        const cpuBefore = serve.cpuMs();
        const result = await autocannonBodies({
          url: `${serve.url}/mattermost/command`,
          headers: HEADERS,
          connections: CONNECTIONS,
          seconds,
          ...load(side),
        });
        const cpuUsPerRequest = ((serve.cpuMs() - cpuBefore) * 1000) / result.requests;
        // The work left after the answers (a deploy's commits read from git) must not fall into the
        // next round, nor its last requests into another's count.
        const settleMs = await settle(dataDir);
        if (side === "deploy") next += result.sent;
        const label = side === "ack" ? "/build hello --again" : "/build deploy lib production <revision>";
        if (result.errors > 0 || result.mismatched > 0)
          throw new Error(
            `${label}: ${result.errors} failed requests, ${result.mismatched} other answers (first: ${result.sample}); stderr: ${serve.stderr()}`,
          );
        assertEveryAnswerStored(label, result.requests, countRows(dataDir, table) - before);
        return { ...result, cpuUsPerRequest, settleMs };
      };
      await measure("ack", 2);
      await measure("deploy", 2);
      const supersededBefore = countSuperseded(dataDir);
      for (let round = 0; round < ROUNDS; round++) {
        ack.push(await measure("ack", SECONDS));
        deploy.push(await measure("deploy", SECONDS));
      }
      // Each admitted deploy ended the one waiting before it.
      const superseded = countSuperseded(dataDir) - supersededBefore;
      const admitted = deploy.reduce((sum, r) => sum + r.matched, 0);
      const mean = (rs: Point[], of: (r: Point) => number) =>
        rs.reduce((sum, r) => sum + of(r), 0) / rs.length;
      const p99 = (rs: Point[]) => mean(rs, (r) => r.p99Ms);
      const ratio = p99(deploy) / p99(ack);
      const cpuRatio = mean(deploy, (r) => r.cpuUsPerRequest) / mean(ack, (r) => r.cpuUsPerRequest);
      return {
        table: [
          [
            "round",
            "request",
            "requests",
            "errors",
            "req/s",
            "p50 ms",
            "p99 ms",
            "server CPU µs/request",
            "settled after (ms)",
          ],
          ...ack.flatMap((a, i) => [
            row(i + 1, "/build hello --again (stores a build)", a),
            row(i + 1, "/build deploy lib production <revision> (stores a deploy)", deploy[i] as Point),
          ]),
        ],
        verdicts: [
          `/build deploy p99 ${fmt(p99(deploy), 2)} ms vs /build acknowledgement p99 ${fmt(p99(ack), 2)} ms (mean of ${ROUNDS} rounds): ratio ${fmt(ratio, 2)} (target ≤ 1.10): ${ratio <= 1.1 ? "met" : "NOT met"}`,
          `server CPU per request, deploy / acknowledgement: ${fmt(cpuRatio, 2)}`,
        ],
        notes: [
          `one serve process, webhook mode, data dir with ${HISTORY / 1000}k finished builds (${COMMITS / 1000}k of them green builds of lib's main, one per commit), ${QUEUED / 1000}k queued, ${DEPLOYS / 1000}k finished deploys of lib to production; ${CONNECTIONS} keep-alive connections, ${SECONDS} s per round after 2 s warm-ups; rounds alternate`,
          `every answer read: ${admitted} deploy answers were admissions waiting for approval that replaced the waiting deploy (${superseded} deploys superseded); every /build answer queued a build; rows stored = requests answered`,
          `first answers: "${first.slice(0, 60)}…", "${request.slice(0, 80)}…"`,
        ],
      };
    } finally {
      await serve.stop();
      rmSync(dataDir, { recursive: true, force: true });
      await sink.close();
      commits.close();
      repo.close();
    }
  },
};

function deployConfig(repoDir: string, libDir: string, webhookUrl: string): Record<string, unknown> {
  const base = serveConfig(repoDir, webhookUrl);
  const repos = base.repos as Record<string, Record<string, unknown>>;
  return {
    ...base,
    repos: {
      ...repos,
      lib: {
        ...repos.lib,
        url: libDir,
        deploy: {
          commands: ["true"],
          environments: {
            // A freeze that is not now (New Year's midnight), so the freeze check runs and passes.
            // One approval: every request waits, so each new one supersedes the one before.
            production: { branches: ["main"], approvals: 1, approvers: ["bob"], freeze: ["* 0 1 1 *"] },
          },
        },
      },
    },
  };
}

async function slash(url: string, text: string): Promise<string> {
  const answer = await fetch(`${url}/mattermost/command`, {
    method: "POST",
    headers: HEADERS,
    body: slashForm(text),
  });
  const body = await answer.text();
  if (!answer.ok) throw new Error(`/build ${text} failed: ${answer.status} ${body}`);
  return String((JSON.parse(body) as { text?: unknown }).text ?? body);
}

function buildNumber(answer: string): number {
  const number = /#(\d+)/.exec(answer)?.[1];
  if (!number) throw new Error(`no build number in: ${answer}`);
  return Number(number);
}

async function waitFinished(dataDir: string, id: number): Promise<void> {
  for (let tries = 0; tries < 1200; tries++) {
    const status = readDb(
      dataDir,
      (db) => (db.prepare("SELECT status FROM builds WHERE id = ?").get(id) as { status: string }).status,
    );
    if (status === "succeeded") return;
    if (status !== "queued" && status !== "running") throw new Error(`build #${id} of lib ${status}`);
    await sleep(100);
  }
  throw new Error(`build #${id} of lib did not finish in 120 s`);
}

function countRows(dataDir: string, table: "builds" | "deploys"): number {
  // Newest number, not COUNT(*): builds and deploys are numbered by their build.
  if (table === "builds") return lastBuildId(dataDir);
  return readDb(dataDir, (db) => (db.prepare("SELECT COUNT(*) AS n FROM deploys").get() as { n: number }).n);
}

/**
 * Waits until every deploy is announced (its commits read from git, its request post stored); how
 * long that took. Not until every post is sent: the webhook's rate limit sends a few a second,
 * whatever the server's load, and would stretch each round's pause to minutes.
 */
async function settle(dataDir: string): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const open = readDb(
      dataDir,
      (db) => (db.prepare("SELECT COUNT(*) AS n FROM deploys WHERE announced = 0").get() as { n: number }).n,
    );
    if (open === 0) return performance.now() - t0;
    if (performance.now() - t0 > 300_000) throw new Error(`${open} deploys or posts still open after 300 s`);
    await sleep(100);
  }
}

function countSuperseded(dataDir: string): number {
  return readDb(
    dataDir,
    (db) =>
      (db.prepare("SELECT COUNT(*) AS n FROM deploys WHERE state = 'superseded'").get() as { n: number }).n,
  );
}

function readDb<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, "slashbuild.db"), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

interface Point extends BodiesResult {
  readonly cpuUsPerRequest: number;
  /** From the end of the load to every deploy announced. */
  readonly settleMs: number;
}

function row(round: number, label: string, r: Point): string[] {
  return [
    String(round),
    label,
    String(r.requests),
    String(r.errors),
    fmt(r.perSecond),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    fmt(r.cpuUsPerRequest, 0),
    fmt(r.settleMs, 0),
  ];
}
