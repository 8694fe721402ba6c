import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Db, openDatabase } from "../src/store/open-database.js";
import { SqliteBuildStore } from "../src/store/sqlite-build-store.js";
import { type Benchmark, fmt } from "./benchmark.js";

/**
 * What migration 17's triggers (branch_heads, for the repo overview and badges) add to the writes
 * every build makes: the acknowledgement's INSERT, and the finish's status UPDATE. The real store
 * on a SQLite file as serve opens it (WAL, synchronous=NORMAL), over 100k builds of history, with
 * the triggers and with them dropped, in alternating rounds; CPU time of this process, per build.
 */

const HISTORY = 100_000;
const PER_ROUND = 2_000;
const ROUNDS = 6;

function seed(db: Db): void {
  const insert = db.prepare(
    `INSERT INTO builds (repo, branch, requester, requester_id, channel_id, channel_name, backend, status, created_at)
       VALUES (?, ?, 'alice', 'uid-alice', 'c', 'ci', 'local', 'succeeded', 1)`,
  );
  db.transaction(() => {
    for (let i = 0; i < HISTORY; i++)
      insert.run(`repo${i % 4}`, i % 5 === 0 ? `feature/f${i % 500}` : "main");
  })();
}

/** µs of CPU per build: create (the acknowledgement's write) and finish (status and time). */
function round(store: SqliteBuildStore, n: number): { create: number; finish: number } {
  const ids: number[] = [];
  let start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    ids.push(
      store.create({
        repo: `repo${i % 4}`,
        branch: i % 3 === 0 ? `feature/f${i % 500}` : "main",
        requestedRevision: null,
        requester: "alice",
        requesterId: "uid-alice",
        channelId: "c",
        channelName: "ci",
        backend: "local",
        rebuildOf: null,
        createdAt: Date.now(),
      }).id,
    );
  }
  const created = process.cpuUsage(start);
  start = process.cpuUsage();
  for (const id of ids) store.update(id, { status: "succeeded", finishedAt: Date.now() });
  const finished = process.cpuUsage(start);
  return { create: (created.user + created.system) / n, finish: (finished.user + finished.system) / n };
}

export const branchHeadsWrite: Benchmark = {
  name: "Writes with and without branch_heads' triggers (issue 21)",
  unavailable: () => null,
  async run() {
    const dirs: string[] = [];
    const open = (withTriggers: boolean) => {
      const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-bench-heads-"));
      dirs.push(dir);
      const db = openDatabase(path.join(dir, "slashbuild.db"));
      if (!withTriggers) {
        for (const name of ["insert", "verdict", "unverdict", "delete"])
          db.exec(`DROP TRIGGER branch_heads_${name}`);
      }
      seed(db);
      return new SqliteBuildStore(db);
    };
    try {
      const stores = { with: open(true), without: open(false) };
      const totals = { with: { create: 0, finish: 0 }, without: { create: 0, finish: 0 } };
      round(stores.with, 200);
      round(stores.without, 200);
      for (let r = 0; r < ROUNDS; r++) {
        for (const which of r % 2 === 0 ? (["with", "without"] as const) : (["without", "with"] as const)) {
          const { create, finish } = round(stores[which], PER_ROUND);
          totals[which].create += create / ROUNDS;
          totals[which].finish += finish / ROUNDS;
        }
      }
      const row = (label: string, t: { create: number; finish: number }) => [
        label,
        fmt(t.create),
        fmt(t.finish),
      ];
      const extra = totals.with.create - totals.without.create;
      return {
        table: [
          ["store", "create µs CPU/build", "finish µs CPU/build"],
          row("without branch_heads' triggers", totals.without),
          row("with them (migration 17)", totals.with),
        ],
        verdicts: [
          `the acknowledgement's write costs ${fmt(extra)} µs of CPU more per build (${fmt((100 * extra) / totals.without.create)}%): queuing a build of a listed branch writes nothing to branch_heads`,
          `a finish costs ${fmt(totals.with.finish - totals.without.finish)} µs more (the verdict's row and its index entry), once per build, off the acknowledgement`,
        ],
        notes: [
          `${HISTORY} builds of history on 4 repos and 500 feature branches, ${ROUNDS} alternating rounds of ${PER_ROUND} builds`,
        ],
      };
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  },
};
