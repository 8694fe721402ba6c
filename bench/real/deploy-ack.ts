import { rmSync } from "node:fs";
import { createTestRepo } from "../../test/helpers/buildbot-git-repo.js";
import { type Benchmark, fmt } from "../benchmark.js";
import { startWebhookSink } from "../slashbuild-fixture.js";
import { createCommitRepo } from "./commit-repo.js";
import {
  ADMITTED,
  CONNECTIONS,
  countSuperseded,
  deployConfig,
  mean,
  measure,
  type Point,
  prepare,
  row,
  seedDeployHistory,
  TABLE_HEAD,
  waitingRevision,
} from "./deploy-bench.js";
import { ServeProcess, slashForm } from "./serve-process.js";

/**
 * Issue 20's speed target: answering `/build deploy` costs what the `/build` acknowledgement costs,
 * at 100k builds and 10k deploys of history. One real `slashbuild serve` process on one seeded data
 * dir, loaded by autocannon from its own process, in alternating rounds so both sides see the same
 * machine: `/build hello --again` (each stores a queued build) and `/build deploy lib production
 * <revision>`, each naming another green commit of `lib`'s main, so each is admitted, stores a
 * deploy (and its held build) waiting for approval and supersedes the one that waited before it.
 *
 * A third side reads the second's way (the "admission: green-build lookup, lock, freeze
 * and approval state"): `/build deploy lib production <the waiting revision>`, the same whole
 * admission, answered at once as already waiting, storing nothing.
 *
 * The commits are real (a repository of COMMITS commits, mirrored by one real build of `lib` before
 * the load), so the work a deploy request leaves for after its answer (reading the commits it adds
 * from the mirror, posting the approval request and the superseded notice) is real too. Both sides
 * go through the same load process, which reads every answer: a round fails unless each one was an
 * admission (or, for /build, a queued build) and the rows stored equal the requests answered.
 */

const SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 10);
const ROUNDS = 2;
const HISTORY = 100_000;
/** Green commits of lib's main; requests cycle through all but the first (the deployed one). */
const COMMITS = 20_000;
const QUEUED = 10_000;
const DEPLOYS = 10_000;
/** The admission alone: the request names the revision already waiting. */
const ALREADY_WAITING = /is already waiting for approval, so I did not ask again/;
/** Answers are JSON: the text starts at its key. */
const QUEUED_BUILD = /"text":"Queued build/;

export const deployAck: Benchmark = {
  name: "/build deploy answer vs /build acknowledgement at 100k builds and 10k deploys (real serve process)",
  unavailable: () => null,
  async run() {
    const repo = createTestRepo();
    const commits = createCommitRepo(COMMITS);
    const sink = await startWebhookSink();
    const dataDir = seedDeployHistory({
      builds: HISTORY,
      queued: QUEUED,
      deploys: DEPLOYS,
      shas: commits.shas,
    });
    const [, ...revisions] = commits.shas;
    const serve = await ServeProcess.start({
      config: deployConfig(repo.dir, commits.dir, sink.url),
      dataDir,
    });
    try {
      const [first = "", request = ""] = await prepare(serve, dataDir, revisions[0] ?? "");
      const deployBodies = revisions.map((sha) => slashForm(`deploy lib production ${sha}`));
      let next = 1;
      type Side = "ack" | "deploy" | "admission";
      const round = async (side: Side, seconds: number): Promise<Point> => {
        const point = await measure(
          side === "admission"
            ? {
                serve,
                dataDir,
                table: "deploys",
                stores: false,
                label: "/build deploy lib production <the waiting revision>",
                bodies: [slashForm(`deploy lib production ${waitingRevision(dataDir)}`)],
                expect: ALREADY_WAITING,
                seconds,
              }
            : side === "ack"
              ? {
                  serve,
                  dataDir,
                  table: "builds",
                  label: "/build hello --again",
                  bodies: [slashForm("hello --again")],
                  expect: QUEUED_BUILD,
                  seconds,
                }
              : {
                  serve,
                  dataDir,
                  table: "deploys",
                  label: "/build deploy lib production <revision>",
                  bodies: deployBodies,
                  start: next,
                  expect: ADMITTED,
                  seconds,
                },
        );
        if (side === "deploy") next += point.sent;
        return point;
      };
      await round("ack", 2);
      await round("deploy", 2);
      await round("admission", 2);
      const ack: Point[] = [];
      const deploy: Point[] = [];
      const admission: Point[] = [];
      let superseded = 0;
      for (let i = 0; i < ROUNDS; i++) {
        ack.push(await round("ack", SECONDS));
        const supersededBefore = countSuperseded(dataDir);
        deploy.push(await round("deploy", SECONDS));
        // Each admitted deploy ended the one waiting before it; a duplicate ends none.
        superseded += countSuperseded(dataDir) - supersededBefore;
        admission.push(await round("admission", SECONDS));
      }
      const admitted = deploy.reduce((sum, r) => sum + r.matched, 0);
      const p99 = (rs: Point[]) => mean(rs, (r) => r.p99Ms);
      const ratio = p99(deploy) / p99(ack);
      const cpu = (rs: Point[]) => mean(rs, (r) => r.cpuUsPerRequest);
      const cpuRatio = cpu(deploy) / cpu(ack);
      const admissionRatio = p99(admission) / p99(ack);
      return {
        table: [
          TABLE_HEAD,
          ...ack.flatMap((a, i) => [
            row(i + 1, "/build hello --again (stores a build)", a),
            row(i + 1, "/build deploy lib production <revision> (stores a deploy)", deploy[i] as Point),
            row(
              i + 1,
              "/build deploy lib production <waiting revision> (admission alone)",
              admission[i] as Point,
            ),
          ]),
        ],
        verdicts: [
          `/build deploy p99 ${fmt(p99(deploy), 2)} ms vs /build acknowledgement p99 ${fmt(p99(ack), 2)} ms (mean of ${ROUNDS} rounds): ratio ${fmt(ratio, 2)} (target ≤ 1.10): ${ratio <= 1.1 ? "met" : "NOT met"}`,
          `server CPU per request, deploy / acknowledgement: ${fmt(cpuRatio, 2)}`,
          `the admission alone (green-build lookup, lock, freeze and approval state; stores nothing): p99 ${fmt(p99(admission), 2)} ms vs the acknowledgement's ${fmt(p99(ack), 2)} ms: ratio ${fmt(admissionRatio, 2)} (target ≤ 1.10): ${admissionRatio <= 1.1 ? "met" : "NOT met"}; server CPU per request ${fmt(cpu(admission) / cpu(ack), 2)}`,
        ],
        notes: [
          `one serve process, webhook mode, data dir with ${HISTORY / 1000}k finished builds (${COMMITS / 1000}k of them green builds of lib's main, one per commit), ${QUEUED / 1000}k queued, ${DEPLOYS / 1000}k finished deploys of lib to production; ${CONNECTIONS} keep-alive connections, ${SECONDS} s per round after 2 s warm-ups; rounds alternate`,
          `every answer read: ${admitted} deploy answers were admissions waiting for approval that replaced the waiting deploy (${superseded} deploys superseded); every /build answer queued a build; rows stored = requests answered; every admission-alone answer said the revision already waits, and none stored a deploy`,
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
