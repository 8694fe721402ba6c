import { describe, expect, it } from "vitest";
import type { BuildFilter } from "../../../src/core/ports.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { SqliteChatPosts } from "../../../src/store/sqlite-chat-posts.js";
import { SqliteOutbox } from "../../../src/store/sqlite-outbox.js";
import { SqliteRetention } from "../../../src/store/sqlite-retention.js";
import { SqliteWebhookDeliveries } from "../../../src/store/sqlite-webhook-deliveries.js";
import { parseApiListQuery } from "../../../src/web/api/api-query.js";
import { makeBuild, makeNewBuild } from "../../fakes/make-build.js";
import { boundPartialIndexColumns, explain, recordingDb } from "../../helpers/query-plans.js";

/**
 * Every statement the stores prepare is recorded (by wrapping db.prepare while each store method
 * runs), then asked for its EXPLAIN QUERY PLAN: none may read a whole table, and none may sort
 * more than what it returns, except the two listed below with why. A query added without an index
 * fails here, whatever the data volume of the test.
 */

/** Plans that may scan: what they read is bounded by something other than the history. */
const BOUNDED_SCANS: readonly { readonly sql: RegExp; readonly why: string }[] = [
  {
    sql: /^SELECT \* FROM builds\s+ORDER BY id DESC LIMIT @limit$/,
    why: "newest first by primary key: reads only `limit` rows",
  },
];

describe("query plans", () => {
  it("every store statement is served by an index: no full scan, no sort of the history", () => {
    const { db, statements } = recordingDb();
    const store = new SqliteBuildStore(db);
    const outbox = new SqliteOutbox(db);
    const posts = new SqliteChatPosts(db);
    // Exercise every statement, with every filter combination of the list page.
    const b = makeBuild();
    const build = store.create(
      makeNewBuild({
        repo: b.repo,
        branch: b.branch,
        requester: b.requester,
        requesterId: b.requesterId,
        channelId: b.channelId,
        channelName: b.channelName,
        createdAt: 1,
      }),
    );
    store.get(build.id);
    store.update(build.id, { status: "running", startedAt: 2 });
    store.setSteps(build.id, ["make", "make test"]);
    store.updateStep(build.id, 0, { status: "running" });
    store.updateStep(build.id, 5, { name: "late", status: "running" });
    store.unfinished();
    store.unfinished({ repo: build.repo, branch: build.branch });
    store.countQueued(build.requesterId);
    store.newestSameUnfinished({ repo: build.repo, branch: build.branch, revision: null });
    store.newestSameUnfinished({ repo: build.repo, branch: build.branch, revision: "abc1234" });
    store.create({ ...build, trigger: null });
    store.queueSummary();
    store.branchHeads(build.repo, 50);
    store.branchHead(build.repo, build.branch);
    const keys = ["repo", "branch", "status", "requester", "beforeId"] as const;
    for (let mask = 0; mask < 2 ** keys.length; mask++) {
      const filter: Record<string, unknown> = {};
      keys.forEach((key, bit) => {
        if (mask & (1 << bit)) filter[key] = key === "beforeId" ? 10 : key === "status" ? "failed" : "x";
      });
      store.list(filter as BuildFilter);
    }
    const id = outbox.enqueue({ buildId: build.id, kind: "update", payload: {}, coalesce: true });
    outbox.nextDue(Date.now());
    outbox.nextAttemptAt();
    outbox.reschedule(id, 1, "e");
    outbox.markDelivered(id, 2);
    outbox.markFailed(id, "e");
    outbox.pendingCount();
    posts.set({ buildId: build.id, postId: "p", channelId: "c" });
    posts.get(build.id);
    posts.delete(build.id);
    const retention = new SqliteRetention(db);
    retention.nextRepo("");
    retention.pruneBuilds(build.repo, 1, 10);
    retention.pruneSentPosts(Date.now(), 10);
    retention.expiredLogs([build.id, 99], Date.now());
    retention.pruneDeliveries(Date.now(), 10);
    const deliveries = new SqliteWebhookDeliveries(db);
    deliveries.claim("github", "d-1", 1);
    deliveries.release("github", "d-1");

    const queries = [...statements].filter((sql) => /^(SELECT|UPDATE|DELETE)|RETURNING/i.test(sql));
    expect(queries.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const sql of queries) {
      if (BOUNDED_SCANS.some((allowed) => allowed.sql.test(sql))) continue;
      for (const step of explain(db, sql)) {
        // A SCAN of a table (with or without an index) reads all of it; a SEARCH reads a range. A
        // scan of a partial index of pending posts reads the backlog, never the history.
        const fullScan =
          /^SCAN (builds|build_steps|outbox|chat_posts|webhook_deliveries|o|p)\b/.test(step) &&
          !/USING (COVERING )?INDEX outbox_pending_by_id/.test(step);
        const sortAll = /USE TEMP B-TREE/.test(step) && !/json_each|unfinished|status IN/i.test(sql);
        if (fullScan || sortAll) problems.push(`${sql}\n    → ${step}`);
      }
    }
    expect(problems).toEqual([]);
    // And none is recompiled at each call (helpers/query-plans.ts), except the list
    // page's status filter: a person's choice, bound rather than written into the SQL, read once
    // per page view, where a recompile (about 20 µs) is nothing beside the page.
    const recompiled = boundPartialIndexColumns(db, [...statements]);
    expect(
      recompiled.filter(
        (found) => !/^builds\.status: SELECT \* FROM builds WHERE .*status = @status/.test(found),
      ),
    ).toEqual([]);
  });

  it("an acknowledgement reads no range of queued builds: counts by key, the duplicate by index seek", () => {
    // An index SEARCH passes the rule above, yet a range over every queued build of a status or a
    // branch grows with the queue, on every acknowledgement (issue 13's profile: COUNT(*) over
    // builds_status was half the CPU at depth; the old duplicate check read the branch's queue).
    const { db, statements } = recordingDb();
    const store = new SqliteBuildStore(db);
    store.countQueued("uid-alice");
    store.newestSameUnfinished({ repo: "app", branch: "main", revision: null });
    store.newestSameUnfinished({ repo: "app", branch: "main", revision: "abc1234" });
    const queueWide = (step: string) =>
      /^SCAN builds\b/.test(step) ||
      /USING (COVERING )?INDEX builds_status \(status=\?\)/.test(step) ||
      /USING (COVERING )?INDEX builds_unfinished \(repo=\? AND branch=\?\)$/.test(step) ||
      /USING (COVERING )?INDEX builds_(repo|repo_branch) /.test(step);
    const ack = [...statements].filter(
      (sql) => /^SELECT/.test(sql) && /queue_counts|requested_revision/.test(sql),
    );
    expect(ack).toHaveLength(3);
    for (const sql of ack) {
      const plan = explain(db, sql);
      expect(plan.length).toBeGreaterThan(0);
      expect(plan.filter(queueWide), sql).toEqual([]);
    }
    expect(explain(db, ack.find((sql) => /queue_counts/.test(sql)) as string)).toEqual([
      "SCAN CONSTANT ROW",
      "SCALAR SUBQUERY 1",
      "SEARCH queue_counts USING PRIMARY KEY (scope=?)",
      "SCALAR SUBQUERY 2",
      "SEARCH queue_counts USING PRIMARY KEY (scope=?)",
    ]);
    // Not vacuous: the statements they replaced are refused by the same rule.
    for (const old of [
      "SELECT COUNT(*) AS total, SUM(requester_id = ?) AS mine FROM builds WHERE status = 'queued'",
      "SELECT * FROM builds WHERE repo = ? AND branch = ? AND status IN ('queued', 'running') ORDER BY id",
    ])
      expect(explain(db, old).filter(queueWide), old).not.toEqual([]);
  });

  it("the repo overview and the badges read by key: no range of a repo's or a branch's builds", () => {
    // A SEARCH passes the first rule, yet "each branch's latest verdict" done over builds is a
    // range of the repo's whole history (GROUP BY branch over builds_repo_branch) or of a branch's
    // (its newest build with a verdict). branch_heads (migration 17) is read a page at a time, and
    // builds only by id, or for a listed branch's newest build, one seek (ORDER BY id DESC LIMIT 1).
    const { db, statements } = recordingDb();
    const store = new SqliteBuildStore(db);
    store.branchHeads("app", 51);
    store.branchHead("app", "main");
    const reads = [...statements].filter((sql) => /branch_heads/.test(sql));
    expect(reads).toHaveLength(2);
    const NEWEST = "SEARCH builds USING COVERING INDEX builds_repo_branch (repo=? AND branch=?)";
    const historyWide = (sql: string) => (step: string) =>
      /^SCAN (builds|branch_heads|h|l|v)\b/.test(step) ||
      /USE TEMP B-TREE/.test(step) ||
      (/^SEARCH (builds|l|v)\b/.test(step) &&
        !/USING INTEGER PRIMARY KEY/.test(step) &&
        !(
          step === NEWEST &&
          /WHERE repo = h\.repo AND branch = h\.branch ORDER BY id DESC LIMIT 1\)/.test(sql)
        ));
    for (const sql of reads) {
      const plan = explain(db, sql);
      expect(plan.length).toBeGreaterThan(0);
      expect(plan.filter(historyWide(sql)), sql).toEqual([]);
    }
    const tail = [
      "SEARCH l USING INTEGER PRIMARY KEY (rowid=?)",
      "CORRELATED SCALAR SUBQUERY 1",
      NEWEST,
      "SEARCH v USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN",
    ];
    const page = reads.find((sql) => /ORDER BY h.recent_id DESC LIMIT/.test(sql)) as string;
    expect(explain(db, page)).toEqual([
      "SEARCH h USING INDEX branch_heads_recent (repo=? AND recent_id<?)",
      ...tail,
    ]);
    const one = reads.find((sql) => /h.branch = \?$/.test(sql)) as string;
    expect(explain(db, one)).toEqual(["SEARCH h USING PRIMARY KEY (repo=? AND branch=?)", ...tail]);
    // Not vacuous: the statements this table replaces are refused by the same rule.
    for (const old of [
      "SELECT branch, MAX(id) FROM builds WHERE repo = ? GROUP BY branch",
      "SELECT status FROM builds WHERE repo = ? AND branch = ? AND status IN ('succeeded', 'failed') ORDER BY id DESC LIMIT 1",
    ])
      expect(explain(db, old).filter(historyWide(old)), old).not.toEqual([]);
  });

  it("the API list reads one page through an index in build order, whatever its filters", () => {
    // GET /api/builds takes the list page's filters (parsed by the same function) plus a limit;
    // every combination must walk an index newest first and stop after the page, never sort.
    const { db, statements } = recordingDb();
    const store = new SqliteBuildStore(db);
    const values = { repo: "app", branch: "main", status: "failed", requester: "alice", before: "90" };
    const keys = Object.keys(values) as (keyof typeof values)[];
    for (let mask = 0; mask < 2 ** keys.length; mask++) {
      const query: Record<string, string> = { limit: "100" };
      keys.forEach((key, bit) => {
        if (mask & (1 << bit)) query[key] = values[key];
      });
      const { list, limit } = parseApiListQuery(query);
      store.list({ ...list.filter, limit: limit + 1 });
    }
    const lists = [...statements].filter((sql) => /^SELECT \* FROM builds .*LIMIT @limit$/.test(sql));
    expect(lists).toHaveLength(2 ** keys.length);
    for (const sql of lists) {
      const plan = explain(db, sql);
      expect(
        plan.filter((step) => /USE TEMP B-TREE/.test(step)),
        sql,
      ).toEqual([]);
      const scans = plan.filter((step) => /^SCAN builds\b/.test(step));
      // Only the unfiltered list scans, and it walks the primary key backwards: `limit` rows.
      if (scans.length > 0) expect(sql).toMatch(/^SELECT \* FROM builds\s+ORDER BY id DESC LIMIT @limit$/);
    }
  });

  it("the rule catches a query without an index (the check is not vacuous)", () => {
    const { db } = recordingDb();
    const plan = explain(db, "SELECT * FROM builds WHERE reason = ? ORDER BY id DESC LIMIT 5");
    expect(plan.some((step) => /^SCAN builds\b/.test(step))).toBe(true);
  });
});
