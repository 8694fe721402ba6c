import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { fmt } from "../benchmark.js";
import { assertEveryAnswerStored, CONNECTIONS, lastBuildId, serveConfig } from "./ack-real.js";
import { autocannonBodies, type BodiesResult } from "./autocannon-bodies.js";
import { seedDeploys, seedGreenBuilds } from "./seed-deploys.js";
import { seedDataDir } from "./seed-history.js";
import { type ServeProcess, slashForm } from "./serve-process.js";

/**
 * What the deploy benches share (deploy-ack.ts: the answer against the acknowledgement;
 * deploy-flat.ts: the answer at a small history against a large one): the config with `lib`'s
 * production environment, the slash requests, one measured round on a serve process, and the
 * reads of its database that check what a round stored and wait for its leftover work.
 */

export { CONNECTIONS };
export const HEADERS = { "content-type": "application/x-www-form-urlencoded" };
/** A deploy answer that admitted the request and replaced the one waiting before it. */
export const ADMITTED = /waits for 1 approval[\s\S]*It replaces deploy/;

/** The acknowledgement bench's config (ack-real.ts) plus `lib`, from `libDir`, deploying to production. */
export function deployConfig(repoDir: string, libDir: string, webhookUrl: string): Record<string, unknown> {
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

/**
 * A data dir with `builds` builds in all: a green build of lib's main for each of `shas` (oldest
 * first), the rest finished builds over four repos, then `queued` builds of hello waiting; and
 * `deploys` finished deploys of lib to production, all of the first commit.
 */
export function seedDeployHistory(seed: {
  readonly builds: number;
  readonly queued: number;
  readonly deploys: number;
  readonly shas: readonly string[];
}): string {
  const dataDir = seedDataDir({
    finished: seed.builds - seed.shas.length,
    queued: seed.queued,
    repos: ["hello", "lib", "web", "docs"],
    queuedRepo: "hello",
  });
  seedGreenBuilds(dataDir, { repo: "lib", branch: "main", shas: seed.shas });
  seedDeploys(dataDir, {
    repo: "lib",
    environment: "production",
    count: seed.deploys,
    revision: seed.shas[0],
  });
  return dataDir;
}

/** One `/build <text>` through the slash route; the answer's text. */
export async function slash(url: string, text: string): Promise<string> {
  const answer = await fetch(`${url}/mattermost/command`, {
    method: "POST",
    headers: HEADERS,
    body: slashForm(text),
  });
  const body = await answer.text();
  if (!answer.ok) throw new Error(`/build ${text} failed: ${answer.status} ${body}`);
  return String((JSON.parse(body) as { text?: unknown }).text ?? body);
}

/**
 * Makes `lib`'s mirror (a deploy reads the commits it adds from it) with one real build, then lets
 * hello's first build take the runner, so every later one stays queued; then asks for a first
 * deploy, so every measured request replaces a waiting one. Returns the two first answers.
 */
export async function prepare(serve: ServeProcess, dataDir: string, revision: string): Promise<string[]> {
  await waitFinished(dataDir, buildNumber(await slash(serve.url, "lib")));
  const first = await slash(serve.url, "hello");
  const request = await slash(serve.url, `deploy lib production ${revision}`);
  if (!/waits for 1 approval/.test(request))
    throw new Error(`the first deploy request did not wait for approval: ${request}`);
  return [first, request];
}

export interface Point extends BodiesResult {
  readonly cpuUsPerRequest: number;
  /** From the end of the load to every deploy announced. */
  readonly settleMs: number;
}

export interface Round {
  readonly serve: ServeProcess;
  readonly dataDir: string;
  /** What each request stores a row of (`stores: false`: a request that must store none). */
  readonly table: "builds" | "deploys";
  readonly stores?: boolean;
  readonly label: string;
  readonly bodies: readonly string[];
  readonly start?: number;
  readonly expect: RegExp;
  readonly seconds: number;
}

/**
 * One round of load from autocannon's own process, every answer read; fails unless each matched
 * and the rows stored equal the requests answered. The server's CPU per answered request comes
 * with it (far less disturbed by other load than the p99). Returns once the deploys' leftover work
 * is done, so none falls into the next round.
 */
export async function measure(round: Round): Promise<Point> {
  const { serve, dataDir, table, label } = round;
  const before = countRows(dataDir, table);
  const cpuBefore = serve.cpuMs();
  const result = await autocannonBodies({
    url: `${serve.url}/mattermost/command`,
    headers: HEADERS,
    connections: CONNECTIONS,
    seconds: round.seconds,
    bodies: round.bodies,
    expect: round.expect,
    ...(round.start === undefined ? {} : { start: round.start }),
  });
  const cpuUsPerRequest = ((serve.cpuMs() - cpuBefore) * 1000) / result.requests;
  const settleMs = await settle(dataDir);
  if (result.errors > 0 || result.mismatched > 0)
    throw new Error(
      `${label}: ${result.errors} failed requests, ${result.mismatched} other answers (first: ${result.sample}); stderr: ${serve.stderr()}`,
    );
  const stored = countRows(dataDir, table) - before;
  if (round.stores === false) {
    if (stored !== 0) throw new Error(`${label}: ${stored} ${table} stored by requests that must store none`);
  } else assertEveryAnswerStored(label, result.requests, stored);
  return { ...result, cpuUsPerRequest, settleMs };
}

/** The revision of the environment's waiting deploy: what a request answered as a duplicate names. */
export function waitingRevision(dataDir: string): string {
  const row = readDb(
    dataDir,
    (db) =>
      db
        .prepare("SELECT revision FROM deploys WHERE state = 'awaiting_approval' ORDER BY id DESC LIMIT 1")
        .get() as { revision: string } | undefined,
  );
  if (!row) throw new Error("no deploy waits for approval");
  return row.revision;
}

export function countSuperseded(dataDir: string): number {
  return readDb(
    dataDir,
    (db) =>
      (db.prepare("SELECT COUNT(*) AS n FROM deploys WHERE state = 'superseded'").get() as { n: number }).n,
  );
}

export const TABLE_HEAD = [
  "round",
  "request",
  "requests",
  "errors",
  "req/s",
  "p50 ms",
  "p99 ms",
  "server CPU µs/request",
  "settled after (ms)",
];

export function row(round: number, label: string, r: Point): string[] {
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

export const mean = (rs: readonly Point[], of: (r: Point) => number): number =>
  rs.reduce((sum, r) => sum + of(r), 0) / rs.length;

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

function readDb<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, "slashbuild.db"), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}
