/**
 * Each branch's newest verdict (issue 21: the repo overview and badges). The overview lists a
 * repo's branches by their latest verdict: without this table that is a walk of every build of the
 * repo (GROUP BY branch) or a seek per branch ever built. Triggers keep it in the same transaction
 * as the change, whoever writes builds (the store, retention, discard, a seeded database). A
 * verdict is succeeded, failed or timed out (as previousVerdict counts them); "newest" is by build
 * number, so an older build finishing late does not hide a newer verdict. recent_id orders the
 * overview: the newest verdict, or, until there is one, the branch's first build. Queuing a build
 * of a branch already listed writes nothing here: the acknowledgement's INSERT stays one row.
 * Deploys (builds of kind 'deploy', migration 13) are no branch's verdict: a failed deploy must
 * not turn a branch's badge red, so every trigger and query here reads builds of kind 'build'.
 */
export const BRANCH_HEADS_MIGRATION = `
  CREATE TABLE branch_heads (
    repo       TEXT    NOT NULL,
    branch     TEXT    NOT NULL,
    recent_id  INTEGER NOT NULL, -- IFNULL(verdict_id, the branch's first build)
    verdict_id INTEGER,          -- NULL: no build of the branch has a verdict yet
    PRIMARY KEY (repo, branch)
  ) WITHOUT ROWID;
  CREATE INDEX branch_heads_recent ON branch_heads(repo, recent_id);
  INSERT INTO branch_heads (repo, branch, recent_id, verdict_id)
    SELECT repo, branch, IFNULL(verdict, first), verdict FROM (
      SELECT repo, branch, MIN(id) AS first,
        MAX(CASE WHEN status IN ('succeeded', 'failed', 'timed_out') THEN id END) AS verdict
      FROM builds WHERE kind = 'build' GROUP BY repo, branch);
  CREATE TRIGGER branch_heads_insert AFTER INSERT ON builds WHEN NEW.kind = 'build' BEGIN
    INSERT INTO branch_heads (repo, branch, recent_id, verdict_id)
      VALUES (NEW.repo, NEW.branch, NEW.id,
        CASE WHEN NEW.status IN ('succeeded', 'failed', 'timed_out') THEN NEW.id END)
      ON CONFLICT (repo, branch) DO UPDATE SET recent_id = excluded.recent_id, verdict_id = excluded.verdict_id
        WHERE excluded.verdict_id > IFNULL(verdict_id, 0);
  END;
  CREATE TRIGGER branch_heads_verdict AFTER UPDATE OF status ON builds
    WHEN NEW.kind = 'build' AND NEW.status IN ('succeeded', 'failed', 'timed_out') BEGIN
    UPDATE branch_heads SET verdict_id = NEW.id, recent_id = NEW.id
      WHERE repo = NEW.repo AND branch = NEW.branch AND IFNULL(verdict_id, 0) < NEW.id;
  END;
  -- Final states never change (the state machine ignores events for finished builds); should a
  -- verdict be rewritten anyway, the table still says what the builds say.
  CREATE TRIGGER branch_heads_unverdict AFTER UPDATE OF status ON builds
    WHEN OLD.kind = 'build' AND OLD.status IN ('succeeded', 'failed', 'timed_out')
      AND NEW.status NOT IN ('succeeded', 'failed', 'timed_out') BEGIN
    UPDATE branch_heads SET
        verdict_id = (SELECT id FROM builds WHERE repo = OLD.repo AND branch = OLD.branch
          AND kind = 'build' AND status IN ('succeeded', 'failed', 'timed_out') ORDER BY id DESC LIMIT 1)
      WHERE repo = OLD.repo AND branch = OLD.branch AND verdict_id = OLD.id;
    UPDATE branch_heads SET
        recent_id = IFNULL(verdict_id, (SELECT MIN(id) FROM builds WHERE repo = OLD.repo AND branch = OLD.branch AND kind = 'build'))
      WHERE repo = OLD.repo AND branch = OLD.branch AND recent_id = OLD.id;
  END;
  CREATE TRIGGER branch_heads_delete AFTER DELETE ON builds WHEN OLD.kind = 'build' BEGIN
    DELETE FROM branch_heads WHERE repo = OLD.repo AND branch = OLD.branch
      AND NOT EXISTS (SELECT 1 FROM builds WHERE repo = OLD.repo AND branch = OLD.branch AND kind = 'build');
    UPDATE branch_heads SET
        verdict_id = (SELECT id FROM builds WHERE repo = OLD.repo AND branch = OLD.branch
          AND kind = 'build' AND status IN ('succeeded', 'failed', 'timed_out') ORDER BY id DESC LIMIT 1)
      WHERE repo = OLD.repo AND branch = OLD.branch AND verdict_id = OLD.id;
    UPDATE branch_heads SET
        recent_id = IFNULL(verdict_id, (SELECT MIN(id) FROM builds WHERE repo = OLD.repo AND branch = OLD.branch AND kind = 'build'))
      WHERE repo = OLD.repo AND branch = OLD.branch AND recent_id = OLD.id;
  END;
`;
