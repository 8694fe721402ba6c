import { BRANCH_HEADS_MIGRATION } from "./branch-heads-migration.js";
import { DEPLOYS_MIGRATION } from "./deploys-migration.js";

/**
 * Numbered schema migrations, applied in order inside one transaction each and recorded in
 * `PRAGMA user_version`. Never edit a released migration: add the next number.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: builds, their steps, and the durable outbox of chat messages.
  `
  CREATE TABLE builds (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: ids are never reused, even after deletes
    repo               TEXT    NOT NULL,
    branch             TEXT    NOT NULL,
    requested_revision TEXT,
    sha                TEXT,
    requester          TEXT    NOT NULL,
    requester_id       TEXT    NOT NULL,
    channel_id         TEXT    NOT NULL,
    channel_name       TEXT    NOT NULL,
    backend            TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    started_at         INTEGER,
    finished_at        INTEGER,
    failing_step       TEXT,
    reason             TEXT,
    rebuild_of         INTEGER,
    external           TEXT    NOT NULL DEFAULT '{}'
  );
  CREATE INDEX builds_status ON builds(status);
  CREATE INDEX builds_repo ON builds(repo, id);

  CREATE TABLE build_steps (
    build_id    INTEGER NOT NULL REFERENCES builds(id),
    idx         INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending',
    exit_code   INTEGER,
    started_at  INTEGER,
    finished_at INTEGER,
    PRIMARY KEY (build_id, idx)
  );

  CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    build_id        INTEGER,
    kind            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending', -- pending | delivered | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
  );
  CREATE INDEX outbox_pending ON outbox(state, next_attempt_at);
  `,
  // 2: bot mode. Each build's root post in Mattermost, so later updates patch it and replies thread under it.
  `
  CREATE TABLE chat_posts (
    build_id   INTEGER PRIMARY KEY,
    post_id    TEXT    NOT NULL,
    channel_id TEXT    NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // 3: the outbox's "oldest pending message of its build" check looks messages up by build; without
  // this index it scanned every pending row for each candidate (quadratic in a burst of 1000).
  `
  CREATE INDEX outbox_build_pending ON outbox(build_id, state, id);
  `,
  // 4: every query that grows with the history is served by an index (test/unit/store/query-plans.test.ts).
  // The list page filters by branch or requester, newest first; the duplicate check and recovery
  // read only unfinished builds, through a partial index that stays as small as the queue. The
  // outbox's next message is the oldest pending one: a partial index walks pending rows in id order
  // instead of sorting every due row (delivered rows, the history, are never looked at). Retention
  // removes sent posts by age (outbox_created).
  `
  CREATE INDEX builds_repo_branch ON builds(repo, branch, id);
  CREATE INDEX builds_branch ON builds(branch, id);
  CREATE INDEX builds_requester ON builds(requester, id);
  CREATE INDEX builds_unfinished ON builds(repo, branch, id) WHERE status IN ('queued', 'running');
  CREATE INDEX outbox_pending_by_id ON outbox(id) WHERE state = 'pending';
  CREATE INDEX outbox_created ON outbox(created_at);
  `,
  // 5: what started a build that nobody typed (push, pull request, schedule), as JSON; NULL = typed.
  `
  ALTER TABLE builds ADD COLUMN trigger TEXT;
  `,
  // 6: one outbox, several sinks (chat posts, commit statuses), each delivered and ordered on its own.
  `
  ALTER TABLE outbox ADD COLUMN sink TEXT NOT NULL DEFAULT 'chat';
  CREATE INDEX outbox_sink_pending ON outbox(sink, state, next_attempt_at);
  CREATE INDEX outbox_sink_state_id ON outbox(sink, state, id);
  `,
  // 7: when each schedule last fired, so a run missed while slashbuild was down happens once at start-up.
  `
  CREATE TABLE schedule_runs (
    repo        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    last_run_at INTEGER NOT NULL,
    PRIMARY KEY (repo, name)
  );
  `,
  // 8: web sessions kept server-side (issue 8), so sign-out and a password change end them, and the
  // sign-in form's nonces, each usable once. Cookies hold a random id; only its SHA-256 is stored.
  `
  CREATE TABLE web_sessions (
    id_hash    TEXT    PRIMARY KEY,
    user       TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    credential TEXT,
    nonce      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX web_sessions_user ON web_sessions(user);
  CREATE TABLE web_login_nonces (
    nonce      TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
  );
  `,
  // 9: the queue bounds (issue 8) are checked on every acknowledgement; counting the queued rows
  // (COUNT(*) over builds_status) grew with the queue and was half of the acknowledgement's CPU at
  // 10,000 queued (issue 13's profile). Triggers keep the counts in the same transaction as the
  // change, so they are exact across crashes and restarts and whoever writes the builds (discard,
  // retention, a seeded database): one row for the total, one per requester with queued builds.
  `
  CREATE TABLE queue_counts (
    scope TEXT    PRIMARY KEY, -- 'total', or 'user:' || requester_id
    n     INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO queue_counts (scope, n)
    SELECT 'total', COUNT(*) FROM builds WHERE status = 'queued';
  INSERT INTO queue_counts (scope, n)
    SELECT 'user:' || requester_id, COUNT(*) FROM builds WHERE status = 'queued' GROUP BY requester_id;
  CREATE TRIGGER builds_queue_count_insert AFTER INSERT ON builds WHEN NEW.status = 'queued' BEGIN
    INSERT INTO queue_counts (scope, n) VALUES ('total', 1), ('user:' || NEW.requester_id, 1)
      ON CONFLICT (scope) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER builds_queue_count_enter AFTER UPDATE OF status ON builds
    WHEN OLD.status != 'queued' AND NEW.status = 'queued' BEGIN
    INSERT INTO queue_counts (scope, n) VALUES ('total', 1), ('user:' || NEW.requester_id, 1)
      ON CONFLICT (scope) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER builds_queue_count_leave AFTER UPDATE OF status ON builds
    WHEN OLD.status = 'queued' AND NEW.status != 'queued' BEGIN
    UPDATE queue_counts SET n = n - 1 WHERE scope IN ('total', 'user:' || OLD.requester_id);
    DELETE FROM queue_counts WHERE scope = 'user:' || OLD.requester_id AND n <= 0;
  END;
  CREATE TRIGGER builds_queue_count_delete AFTER DELETE ON builds WHEN OLD.status = 'queued' BEGIN
    UPDATE queue_counts SET n = n - 1 WHERE scope IN ('total', 'user:' || OLD.requester_id);
    DELETE FROM queue_counts WHERE scope = 'user:' || OLD.requester_id AND n <= 0;
  END;
  `,
  // 10: the duplicate check (every /build without --again) read every unfinished build of the
  // branch, with its steps: 10,000 queued made one /build take hundreds of ms. It now seeks the
  // newest same-commit build: by typed revision (NULL for a tip build) in the first index, by sha
  // in the second, which holds only unfinished builds that know their sha (running ones, mostly),
  // so queuing a build writes no page of it.
  `
  DROP INDEX builds_unfinished;
  CREATE INDEX builds_unfinished ON builds(repo, branch, requested_revision, id)
    WHERE status IN ('queued', 'running');
  CREATE INDEX builds_unfinished_sha ON builds(repo, branch, sha)
    WHERE status IN ('queued', 'running') AND sha IS NOT NULL;
  `,
  // 11: webhook deliveries already received (by the host's delivery id), so a redelivery builds nothing
  // twice; the retention pruner forgets them by age (webhook_deliveries_received).
  `
  CREATE TABLE webhook_deliveries (
    forge       TEXT    NOT NULL,
    delivery    TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (forge, delivery)
  );
  CREATE INDEX webhook_deliveries_received ON webhook_deliveries(received_at);
  `,
  // 12: a pull request trigger carries its host's head ref and words (issue 19: each Git host says
  // them itself). Triggers stored before have the number and the host's name only: given here what
  // the three hosts of that time said.
  `
  UPDATE builds SET trigger = json_set(trigger,
      '$.headRef', CASE json_extract(trigger, '$.forge') WHEN 'gitlab' THEN 'refs/merge-requests/' ELSE 'refs/pull/' END
        || json_extract(trigger, '$.number') || '/head',
      '$.noun', CASE json_extract(trigger, '$.forge') WHEN 'gitlab' THEN 'Merge request' ELSE 'Pull request' END,
      '$.reference', CASE json_extract(trigger, '$.forge') WHEN 'gitlab' THEN '!' ELSE '#' END
        || json_extract(trigger, '$.number'))
    WHERE json_extract(trigger, '$.kind') = 'pull_request' AND json_extract(trigger, '$.headRef') IS NULL;
  `,
  // 13: deploys (issue 20): builds of kind 'deploy', their records, decisions, locks and events.
  // Kept in deploys-migration.ts; if another branch took 13 first, this is simply the next number.
  DEPLOYS_MIGRATION,
  // 14: test reports (issue 21). One summary row per build, and its failed and flaky tests (masked,
  // bounded by runner.test_reports.max_failures), replaced whole after each step that read a report.
  // A failure carries its build's repo and sha so "did this test fail on this commit before?" (a
  // flaky test) is one seek of test_cases_failed, whatever the history. Rows go with their build,
  // whoever deletes it (retention, discard): a trigger, so no deleting code has to know of them.
  `
  CREATE TABLE test_reports (
    build_id INTEGER PRIMARY KEY,
    passed   INTEGER NOT NULL,
    failed   INTEGER NOT NULL,
    skipped  INTEGER NOT NULL,
    files    INTEGER NOT NULL,
    notes    TEXT    NOT NULL DEFAULT '[]'
  );
  CREATE TABLE test_cases (
    build_id  INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    outcome   TEXT    NOT NULL, -- failed | flaky
    repo      TEXT    NOT NULL,
    sha       TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    classname TEXT    NOT NULL,
    message   TEXT    NOT NULL DEFAULT '',
    output    TEXT    NOT NULL DEFAULT '',
    step      INTEGER NOT NULL,
    line      INTEGER,
    failed_in INTEGER,
    PRIMARY KEY (build_id, seq)
  );
  CREATE INDEX test_cases_failed ON test_cases(repo, sha, name, build_id) WHERE outcome = 'failed';
  CREATE TRIGGER builds_delete_test_reports AFTER DELETE ON builds BEGIN
    DELETE FROM test_cases WHERE build_id = OLD.id;
    DELETE FROM test_reports WHERE build_id = OLD.id;
  END;
  `,
  // 15 (issue 21, artifacts): nothing to change. A build's kept artifacts are listed in its
  // `external` JSON (core/artifacts.ts) and their files are under data_dir/artifacts.
  "-- 15: artifacts (no schema change)",
  // 16 (issue 21): who asked for direct messages about their builds (`/build notify me …`), by chat
  // user id. The name, lower-cased, finds a pusher mapped through mattermost_users; "off" is no row.
  `
  CREATE TABLE direct_message_preferences (
    user_id    TEXT    PRIMARY KEY,
    user_name  TEXT    NOT NULL,
    level      TEXT    NOT NULL CHECK (level IN ('failures', 'all')),
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX direct_message_preferences_name ON direct_message_preferences(user_name);
  `,
  // 17: each branch's newest verdict (issue 21: the repo overview and badges), kept by triggers
  // (branch-heads-migration.ts).
  BRANCH_HEADS_MIGRATION,
  // 18: which request replaced a superseded deploy, as a number instead of only in its reason's
  // words (its announcement links to it). Deploys superseded before keep theirs, read from the words.
  `
  ALTER TABLE deploys ADD COLUMN superseded_by INTEGER;
  UPDATE deploys SET superseded_by = CAST(substr(reason, 16) AS INTEGER)
    WHERE state = 'superseded' AND reason GLOB 'superseded by #[0-9]*';
  `,
];
