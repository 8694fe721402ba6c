import { rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { createTestRepo } from "../../test/helpers/buildbot-git-repo.js";
import { type Benchmark, fmt } from "../benchmark.js";
import { startWebhookSink } from "../slashbuild-fixture.js";
import { ackRequest, serveConfig } from "./ack-real.js";
import { autocannon, type CannonResult } from "./autocannon.js";
import { seedDeploys } from "./seed-deploys.js";
import { seedDataDir } from "./seed-history.js";
import { ServeProcess, slashForm } from "./serve-process.js";

/**
 * Issue 20's speed target: answering `/build deploy` costs what the `/build` acknowledgement costs,
 * at 100k builds and 10k deploys of history. One real `slashbuild serve` process on one seeded data
 * dir (100k finished builds, 10k queued, 10k finished deploys of `lib` to production), loaded by
 * autocannon from its own process with the acknowledgement's request (`/build hello --again`) and
 * `/build deploy lib production`, in alternating rounds so both see the same machine.
 *
 * Every deploy request goes through the whole admission (the repo's channel and who may deploy,
 * the newest green build of main, the lock, the freeze windows, the environment's waiting deploy
 * and its approvals). The first stores a deploy that waits for an approval; every later one asks
 * for the same revision and is answered with that deploy, as when a hundred people ask for the
 * same deploy: it stores nothing, where every acknowledgement stores a build.
 */

const CONNECTIONS = 8;
const SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 10);
const ROUNDS = 2;
const HISTORY = 100_000;
const QUEUED = 10_000;
const DEPLOYS = 10_000;

const deployRequest = (url: string) => ({
  url: `${url}/mattermost/command`,
  method: "POST" as const,
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: slashForm("deploy lib production"),
  connections: CONNECTIONS,
});

export const deployAck: Benchmark = {
  name: "/build deploy answer vs /build acknowledgement at 100k builds and 10k deploys (real serve process)",
  unavailable: () => null,
  async run() {
    const repo = createTestRepo();
    const sink = await startWebhookSink();
    const dataDir = seedDataDir({
      finished: HISTORY,
      queued: QUEUED,
      repos: ["hello", "lib", "web", "docs"],
      queuedRepo: "hello",
    });
    seedDeploys(dataDir, { repo: "lib", environment: "production", count: DEPLOYS });
    const serve = await ServeProcess.start({ config: deployConfig(repo.dir, sink.url), dataDir });
    try {
      const first = await slash(serve.url, "hello");
      const request = await slash(serve.url, "deploy lib production");
      if (!/waits for 1 approval/.test(request))
        throw new Error(`the first deploy request did not wait for approval: ${request}`);
      await autocannon({ ...ackRequest(serve.url), seconds: 2 });
      await autocannon({ ...deployRequest(serve.url), seconds: 2 });
      const deploysBefore = count(dataDir, "deploys");
      const ack: Point[] = [];
      const deploy: Point[] = [];
      // The server's CPU per answered request: far less disturbed by other load than the p99.
      const measure = async (load: Parameters<typeof autocannon>[0]): Promise<Point> => {
        const cpuBefore = serve.cpuMs();
        const result = await autocannon(load);
        return { ...result, cpuUsPerRequest: ((serve.cpuMs() - cpuBefore) * 1000) / result.requests };
      };
      for (let round = 0; round < ROUNDS; round++) {
        ack.push(await measure({ ...ackRequest(serve.url), seconds: SECONDS }));
        deploy.push(await measure({ ...deployRequest(serve.url), seconds: SECONDS }));
      }
      const failed = [...ack, ...deploy].reduce((sum, r) => sum + r.errors, 0);
      if (failed > 0) throw new Error(`${failed} failed requests; stderr: ${serve.stderr()}`);
      // Still the same answer (not a refusal, which is HTTP 200 too), and nothing stored meanwhile.
      const last = await slash(serve.url, "deploy lib production");
      if (
        !/is already waiting for approval, so I did not ask again/.test(last) ||
        !last.includes(firstNumber(request))
      )
        throw new Error(`the deploy answer changed during the run: ${last}`);
      const stored = count(dataDir, "deploys") - deploysBefore;
      if (stored !== 0) throw new Error(`${stored} deploys were stored during the run; expected none`);
      const mean = (rs: Point[], of: (r: Point) => number) =>
        rs.reduce((sum, r) => sum + of(r), 0) / rs.length;
      const p99 = (rs: Point[]) => mean(rs, (r) => r.p99Ms);
      const ratio = p99(deploy) / p99(ack);
      const cpuRatio = mean(deploy, (r) => r.cpuUsPerRequest) / mean(ack, (r) => r.cpuUsPerRequest);
      return {
        table: [
          ["round", "request", "requests", "errors", "req/s", "p50 ms", "p99 ms", "server CPU µs/request"],
          ...ack.flatMap((a, i) => [
            row(i + 1, "/build hello --again (stores a build)", a),
            row(i + 1, "/build deploy lib production", deploy[i] as Point),
          ]),
        ],
        verdicts: [
          `/build deploy p99 ${fmt(p99(deploy), 2)} ms vs /build acknowledgement p99 ${fmt(p99(ack), 2)} ms (mean of ${ROUNDS} rounds): ratio ${fmt(ratio, 2)} (target ≤ 1.10): ${ratio <= 1.1 ? "met" : "NOT met"}`,
          `server CPU per request, deploy / acknowledgement: ${fmt(cpuRatio, 2)}`,
        ],
        notes: [
          `one serve process, webhook mode, data dir with ${HISTORY / 1000}k finished builds, ${QUEUED / 1000}k queued, ${DEPLOYS / 1000}k finished deploys of lib to production; ${CONNECTIONS} keep-alive connections, ${SECONDS} s per round after 2 s warm-ups; rounds alternate`,
          `first answers: "${first.slice(0, 60)}…", "${request.slice(0, 80)}…"`,
          "after the first, each deploy request is answered with the deploy already waiting (same revision): the full admission, no write",
        ],
      };
    } finally {
      await serve.stop();
      rmSync(dataDir, { recursive: true, force: true });
      await sink.close();
      repo.close();
    }
  },
};

function deployConfig(repoDir: string, webhookUrl: string): Record<string, unknown> {
  const base = serveConfig(repoDir, webhookUrl);
  const repos = base.repos as Record<string, Record<string, unknown>>;
  return {
    ...base,
    repos: {
      ...repos,
      lib: {
        ...repos.lib,
        deploy: {
          commands: ["true"],
          environments: {
            // A freeze that is not now (New Year's midnight), so the freeze check runs and passes.
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
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: slashForm(text),
  });
  const body = await answer.text();
  if (!answer.ok) throw new Error(`/build ${text} failed: ${answer.status} ${body}`);
  return String((JSON.parse(body) as { text?: unknown }).text ?? body);
}

function firstNumber(text: string): string {
  return /#\d+/.exec(text)?.[0] ?? "#?";
}

function count(dataDir: string, table: "deploys"): number {
  const db = new Database(path.join(dataDir, "slashbuild.db"), { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

interface Point extends CannonResult {
  readonly cpuUsPerRequest: number;
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
  ];
}
