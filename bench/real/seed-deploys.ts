import path from "node:path";
import { openDatabase } from "../../src/store/open-database.js";

/**
 * Adds a deploy history to a seeded data dir (seed-history.ts): `count` finished deploys of `repo`
 * to `environment`, each a build of kind deploy with its `deploys` row, every tenth failed, all of
 * `revision` (default OLD_REVISION), so a request for the branch's newest green build asks for a
 * new revision.
 */
export const OLD_REVISION = "fedcba9876543210fedcba9876543210fedcba98";

export function seedDeploys(
  dataDir: string,
  seed: { repo: string; environment: string; count: number; revision?: string },
): void {
  const revision = seed.revision ?? OLD_REVISION;
  const db = openDatabase(path.join(dataDir, "slashbuild.db"));
  const build = db.prepare(
    `INSERT INTO builds (repo, branch, requested_revision, sha, requester, requester_id, channel_id, channel_name,
       backend, status, created_at, started_at, finished_at, kind, environment)
     VALUES (?, 'main', ?, ?, 'alice', 'user-1', 'chan-ci', 'ci', 'local', ?, ?, ?, ?, 'deploy', ?)`,
  );
  const deploy = db.prepare(
    `INSERT INTO deploys (build_id, repo, environment, kind, revision, branch, requester, requester_id,
       channel_id, channel_name, state, approvals_needed, previous_revision, announced, created_at,
       started_at, finished_at)
     VALUES (?, ?, ?, 'deploy', ?, 'main', 'alice', 'user-1', 'chan-ci', 'ci', ?, 1, ?, 1, ?, ?, ?)`,
  );
  const decision = db.prepare(
    `INSERT INTO deploy_decisions (deploy_id, user_id, user_name, verdict, via, at)
     VALUES (?, 'user-2', 'bob', 'approved', 'command', ?)`,
  );
  const start = Date.now() - seed.count * 600_000;
  db.transaction(() => {
    for (let i = 0; i < seed.count; i++) {
      const at = start + i * 600_000;
      const state = i % 10 === 0 ? "failed" : "succeeded";
      const id = Number(
        build.run(seed.repo, revision, revision, state, at, at + 60_000, at + 120_000, seed.environment)
          .lastInsertRowid,
      );
      const row = deploy.run(
        id,
        seed.repo,
        seed.environment,
        revision,
        state,
        revision,
        at,
        at + 60_000,
        at + 120_000,
      );
      decision.run(Number(row.lastInsertRowid), at + 30_000);
    }
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

/**
 * One successful build of `repo` `branch` per commit in `shas`, oldest first and older than any
 * build seedDataDir wrote: the green builds a deploy request may name by revision, each its own.
 */
export function seedGreenBuilds(
  dataDir: string,
  seed: { repo: string; branch: string; shas: readonly string[] },
): void {
  const db = openDatabase(path.join(dataDir, "slashbuild.db"));
  const build = db.prepare(
    `INSERT INTO builds (repo, branch, requested_revision, sha, requester, requester_id, channel_id, channel_name,
       backend, status, created_at, started_at, finished_at)
     VALUES (?, ?, NULL, ?, 'alice', 'user-1', 'chan-ci', 'ci', 'local', 'succeeded', ?, ?, ?)`,
  );
  const start = Date.now() - 400 * 24 * 3_600_000;
  db.transaction(() => {
    seed.shas.forEach((sha, i) => {
      const at = start + i * 60_000;
      build.run(seed.repo, seed.branch, sha, at, at + 1000, at + 5000);
    });
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}
