import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "../../src/store/open-database.js";

/**
 * A data dir whose database already holds a long history, written straight into SQLite (the
 * schema comes from the real migrations, and its triggers keep branch_heads): `finished` builds
 * spread over `repos` (and `branches`), each with two steps and its two delivered status posts,
 * then `queued` builds of `queuedRepo` waiting, as a
 * process that stopped with a deep queue leaves them.
 */
export interface Seed {
  readonly finished: number;
  readonly queued: number;
  readonly repos: readonly string[];
  readonly queuedRepo: string;
  /**
   * Feature branches: every fifth finished build goes to one of this many (`feature/f<k>`), the rest
   * to main, so a repo's page has branches to list. Default 0: every build on main.
   */
  readonly branches?: number;
}

export function seedDataDir(seed: Seed): string {
  const dataDir = mkdtempSync(path.join(tmpdir(), "slashbuild-bench-seeded-"));
  const db = openDatabase(path.join(dataDir, "slashbuild.db"));
  const build = db.prepare(
    `INSERT INTO builds (repo, branch, requested_revision, sha, requester, requester_id, channel_id, channel_name,
       backend, status, created_at, started_at, finished_at, failing_step, reason)
     VALUES (?, ?, NULL, ?, ?, ?, 'chan-ci', 'ci', 'local', ?, ?, ?, ?, ?, NULL)`,
  );
  const step = db.prepare(
    `INSERT INTO build_steps (build_id, idx, name, status, exit_code, started_at, finished_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const post = db.prepare(
    `INSERT INTO outbox (build_id, kind, payload, state, attempts, next_attempt_at, created_at, delivered_at)
     VALUES (?, ?, ?, 'delivered', 1, ?, ?, ?)`,
  );
  const start = Date.now() - seed.finished * 60_000;
  const sha = "0123456789abcdef0123456789abcdef01234567";
  const payload = (id: number, word: string) =>
    JSON.stringify({
      channel: "ci",
      username: "slashbuild",
      text: `Build [#${id}](http://127.0.0.1/builds/${id}) of hello main ${word} (requested by @alice)`,
      attachments: [
        { color: "#2eb886", fields: [{ title: "commit", value: sha.slice(0, 10), short: true }] },
      ],
    });
  db.transaction(() => {
    for (let i = 0; i < seed.finished; i++) {
      const at = start + i * 60_000;
      const repo = seed.repos[i % seed.repos.length] as string;
      const failed = i % 7 === 0;
      const branches = seed.branches ?? 0;
      const branch = branches > 0 && i % 5 === 0 ? `feature/f${Math.floor(i / 5) % branches}` : "main";
      const info = build.run(
        repo,
        branch,
        sha,
        `user${i % 40}`,
        `uid${i % 40}`,
        failed ? "failed" : "succeeded",
        at,
        at + 1000,
        at + 5000,
        failed ? "make test" : null,
      );
      const id = Number(info.lastInsertRowid);
      step.run(id, 0, "make", "succeeded", 0, at + 1000, at + 3000);
      step.run(id, 1, "make test", failed ? "failed" : "succeeded", failed ? 2 : 0, at + 3000, at + 5000);
      post.run(id, "build_started", payload(id, "started"), at, at, at + 10);
      post.run(
        id,
        "build_finished",
        payload(id, failed ? "failed" : "succeeded"),
        at + 5000,
        at + 5000,
        at + 5010,
      );
    }
    // Webhook mode posts nothing for a queued build (the slash answer told the requester).
    const queuedAt = Date.now() - 60_000;
    for (let i = 0; i < seed.queued; i++) {
      db.prepare(
        `INSERT INTO builds (repo, branch, requester, requester_id, channel_id, channel_name, backend, status, created_at)
           VALUES (?, 'main', 'alice', 'user-1', 'chan-ci', 'ci', 'local', 'queued', ?)`,
      ).run(seed.queuedRepo, queuedAt + i);
    }
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return dataDir;
}
