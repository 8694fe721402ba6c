import { rmSync } from "node:fs";
import { createTestRepo } from "../../test/helpers/buildbot-git-repo.js";
import { type Benchmark, fmt } from "../benchmark.js";
import { startWebhookSink } from "../slashbuild-fixture.js";
import { createCommitRepo } from "./commit-repo.js";
import {
  ADMITTED,
  CONNECTIONS,
  deployConfig,
  mean,
  measure,
  type Point,
  prepare,
  row,
  seedDeployHistory,
  TABLE_HEAD,
} from "./deploy-bench.js";
import { ServeProcess, slashForm } from "./serve-process.js";

/**
 * Issue 20's "costs the same at 100k builds and 10k deploys of history", read as the brief's "cost
 * must stay flat as data grows": the same stream of `/build deploy lib production <revision>` on
 * two real serve processes, one on a small history and one on the large history of deploy-ack.ts,
 * in alternating rounds. The requests cycle through CYCLE green commits of lib's main (never the
 * waiting one), so each request on either side does the same work: the whole admission, a deploy
 * and its held build stored, the waiting one superseded.
 */

const SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 10);
const ROUNDS = 2;
const CYCLE = 64;
const SMALL = { builds: 1_000, queued: 100, deploys: 100, label: "1k builds, 100 deploys" };
const LARGE = { builds: 100_000, queued: 10_000, deploys: 10_000, label: "100k builds, 10k deploys" };

export const deployFlat: Benchmark = {
  name: "/build deploy answer at 1k builds and 100 deploys vs 100k builds and 10k deploys (real serve processes)",
  unavailable: () => null,
  async run() {
    const repo = createTestRepo();
    const commits = createCommitRepo(CYCLE + 1);
    const sink = await startWebhookSink();
    const [, ...revisions] = commits.shas;
    const bodies = revisions.map((sha) => slashForm(`deploy lib production ${sha}`));
    const sides: Side[] = [];
    try {
      for (const [name, size] of [
        ["small", SMALL],
        ["large", LARGE],
      ] as const) {
        const dataDir = seedDeployHistory({ ...size, shas: commits.shas });
        const serve = await ServeProcess.start({
          config: deployConfig(repo.dir, commits.dir, sink.url),
          dataDir,
        });
        sides.push({ name, size, serve, dataDir, next: 1, points: [] });
        await prepare(serve, dataDir, revisions[0] ?? "");
      }
      const round = async (side: Side, seconds: number): Promise<Point> => {
        const point = await measure({
          serve: side.serve,
          dataDir: side.dataDir,
          table: "deploys",
          label: `/build deploy on the ${side.name} history`,
          bodies,
          start: side.next,
          expect: ADMITTED,
          seconds,
        });
        side.next += point.sent;
        return point;
      };
      for (const side of sides) await round(side, 2);
      for (let i = 0; i < ROUNDS; i++) for (const side of sides) side.points.push(await round(side, SECONDS));
      const [small, large] = sides as [Side, Side];
      const p99 = (side: Side) => mean(side.points, (r) => r.p99Ms);
      const cpu = (side: Side) => mean(side.points, (r) => r.cpuUsPerRequest);
      const ratio = p99(large) / p99(small);
      const cpuRatio = cpu(large) / cpu(small);
      return {
        table: [
          TABLE_HEAD,
          ...small.points.flatMap((s, i) => [
            row(i + 1, `/build deploy at ${small.size.label}`, s),
            row(i + 1, `/build deploy at ${large.size.label}`, large.points[i] as Point),
          ]),
        ],
        verdicts: [
          `/build deploy p99 at 100k builds and 10k deploys ${fmt(p99(large), 2)} ms vs at 1k builds and 100 deploys ${fmt(p99(small), 2)} ms (mean of ${ROUNDS} rounds): ratio ${fmt(ratio, 2)} (flat: ≤ 1.10): ${ratio <= 1.1 ? "met" : "NOT met"}`,
          `server CPU per deploy request, large history / small: ${fmt(cpuRatio, 2)} (flat: ≤ 1.10): ${cpuRatio <= 1.1 ? "met" : "NOT met"}`,
        ],
        notes: [
          `two serve processes, webhook mode, one on each history (finished builds incl. ${commits.shas.length} green builds of lib's main; queued builds ${SMALL.queued} and ${LARGE.queued}; finished deploys of lib to production); ${CONNECTIONS} keep-alive connections, ${SECONDS} s per round after 2 s warm-ups; rounds alternate`,
          `every answer read: each was an admission waiting for approval that replaced the waiting deploy; rows stored = requests answered`,
        ],
      };
    } finally {
      for (const side of sides) {
        await side.serve.stop();
        rmSync(side.dataDir, { recursive: true, force: true });
      }
      await sink.close();
      commits.close();
      repo.close();
    }
  },
};

interface Side {
  readonly name: "small" | "large";
  readonly size: typeof SMALL;
  readonly serve: ServeProcess;
  readonly dataDir: string;
  next: number;
  readonly points: Point[];
}
