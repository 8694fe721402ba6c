/**
 * The schema of deploying from chat (issue 20), one migration kept in its own file so it can be
 * renumbered when branches merge (migrations.ts appends it; nothing refers to its number).
 *
 * - A deploy runs as a build of kind 'deploy' (builds.kind, builds.environment); its own record is a
 *   row of `deploys`, linked by build_id, with the decisions on it in `deploy_decisions` (one per
 *   person: the primary key makes "N distinct approvers" a fact of the table, not only of the code).
 * - A deploy's final state follows its build's in the same transaction (the trigger below), so a
 *   crash can never leave an environment holding a revision whose deploy did not succeed, nor a
 *   finished deploy still "deploying".
 * - Every read on the way to answering `/build deploy` seeks an index (test/unit/store/query-plans):
 *   the newest green build of a branch or of a commit (partial indexes over successful builds only),
 *   the environment's current, running and waiting deploys (deploys_env_state), its lock (primary key).
 */
export const DEPLOYS_MIGRATION = `
  ALTER TABLE builds ADD COLUMN kind TEXT NOT NULL DEFAULT 'build';
  ALTER TABLE builds ADD COLUMN environment TEXT;
  CREATE INDEX builds_green ON builds(repo, branch, id) WHERE status = 'succeeded' AND kind = 'build';
  CREATE INDEX builds_green_sha ON builds(repo, sha) WHERE status = 'succeeded' AND kind = 'build';

  CREATE TABLE deploys (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    build_id          INTEGER NOT NULL UNIQUE,
    repo              TEXT    NOT NULL,
    environment       TEXT    NOT NULL,
    kind              TEXT    NOT NULL, -- deploy | rollback | auto
    revision          TEXT    NOT NULL,
    branch            TEXT    NOT NULL,
    source_build_id   INTEGER,          -- the green build that vouches for the revision
    requester         TEXT    NOT NULL,
    requester_id      TEXT    NOT NULL,
    channel_id        TEXT    NOT NULL,
    channel_name      TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    forced            TEXT,             -- JSON list of what --force overrode; NULL = not forced
    approvals_needed  INTEGER NOT NULL,
    previous_revision TEXT,             -- what the environment held when this was asked for (then started)
    commits           TEXT,             -- JSON, for the request post; NULL = not read yet
    announced         INTEGER NOT NULL DEFAULT 0,
    reason            TEXT,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER,
    started_at        INTEGER,
    finished_at       INTEGER
  );
  CREATE INDEX deploys_env_state ON deploys(repo, environment, state, id);
  CREATE INDEX deploys_env ON deploys(repo, environment, id);
  CREATE INDEX deploys_expiring ON deploys(expires_at) WHERE state = 'awaiting_approval';
  CREATE INDEX deploys_open ON deploys(state, id) WHERE state IN ('awaiting_approval', 'queued', 'deploying');
  CREATE INDEX deploys_unannounced ON deploys(id) WHERE announced = 0;

  CREATE TABLE deploy_decisions (
    deploy_id INTEGER NOT NULL REFERENCES deploys(id),
    user_id   TEXT    NOT NULL,
    user_name TEXT    NOT NULL,
    verdict   TEXT    NOT NULL, -- approved | rejected
    reason    TEXT,
    via       TEXT    NOT NULL, -- command | button | web
    at        INTEGER NOT NULL,
    PRIMARY KEY (deploy_id, user_id)
  );

  CREATE TABLE deploy_locks (
    repo        TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    holder      TEXT    NOT NULL,
    holder_id   TEXT    NOT NULL,
    reason      TEXT,
    since       INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (repo, environment)
  );
  CREATE INDEX deploy_locks_expiry ON deploy_locks(expires_at);

  -- What happened to an environment besides its deploys: locks, unlocks, broken and lapsed locks.
  CREATE TABLE deploy_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    repo        TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    actor_id    TEXT    NOT NULL,
    holder      TEXT    NOT NULL,
    detail      TEXT,
    at          INTEGER NOT NULL
  );
  CREATE INDEX deploy_events_env ON deploy_events(repo, environment, id);

  CREATE TRIGGER builds_deploy_finished AFTER UPDATE OF status ON builds
    WHEN NEW.kind = 'deploy' AND NEW.status IN ('succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted') BEGIN
    UPDATE deploys SET state = NEW.status, finished_at = NEW.finished_at
      WHERE build_id = NEW.id AND state IN ('awaiting_approval', 'queued', 'deploying');
  END;
  CREATE TRIGGER builds_deploy_started AFTER UPDATE OF status ON builds
    WHEN NEW.kind = 'deploy' AND NEW.status = 'running' BEGIN
    UPDATE deploys SET started_at = NEW.started_at WHERE build_id = NEW.id;
  END;
`;
