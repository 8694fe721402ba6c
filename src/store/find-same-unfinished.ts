import type { BuildRow } from "./build-rows.js";
import type { Db } from "./open-database.js";

/**
 * The duplicate check's read (core/find-duplicate.ts): the newest queued or running build of the
 * same commit, by index seeks, so it costs the same at any queue depth or history length.
 */
export class SameUnfinishedQuery {
  readonly #sameTip;
  readonly #sameRevision;

  constructor(db: Db) {
    // The duplicate check, on the acknowledgement path: index seeks (migration 10), never a walk of
    // the branch's queue. A tip request matches the newest unfinished tip build.
    this.#sameTip = db.prepare<[string, string], BuildRow>(
      `SELECT * FROM builds WHERE repo = ? AND branch = ? AND requested_revision IS NULL
         AND status IN ('queued', 'running') ORDER BY id DESC LIMIT 1`,
    );
    // A revision matches a typed revision that is one of its prefixes, or that starts with it (a
    // range: hex digits sort below 'g'), or a resolved sha that starts with it.
    this.#sameRevision = db.prepare<Record<string, string>, BuildRow>(
      `SELECT * FROM builds WHERE id IN (
         SELECT id FROM builds WHERE repo = @repo AND branch = @branch AND status IN ('queued', 'running')
           AND requested_revision IN (SELECT value FROM json_each(@prefixes))
         UNION ALL
         SELECT id FROM builds WHERE repo = @repo AND branch = @branch AND status IN ('queued', 'running')
           AND requested_revision > @revision AND requested_revision < @end
         UNION ALL
         SELECT id FROM builds WHERE repo = @repo AND branch = @branch AND status IN ('queued', 'running')
           AND sha IS NOT NULL AND sha >= @revision AND sha < @end
       ) ORDER BY id DESC LIMIT 1`,
    );
  }

  rows(wanted: {
    readonly repo: string;
    readonly branch: string;
    readonly revision: string | null;
  }): BuildRow[] {
    const { repo, branch, revision } = wanted;
    if (revision === null) return this.#sameTip.all(repo, branch);
    const rev = revision.toLowerCase();
    const prefixes = Array.from({ length: rev.length }, (_, i) => rev.slice(0, i + 1));
    return this.#sameRevision.all({
      repo,
      branch,
      revision: rev,
      end: `${rev}g`,
      prefixes: JSON.stringify(prefixes),
    });
  }
}
