import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RetentionConfig } from "../../../src/config/config.js";
import type { BuildStatus } from "../../../src/core/build.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { RetentionPruner, WEBHOOK_DELIVERY_MEMORY_MS } from "../../../src/store/retention-pruner.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { SqliteChatPosts } from "../../../src/store/sqlite-chat-posts.js";
import { SqliteOutbox } from "../../../src/store/sqlite-outbox.js";
import { SqliteWebhookDeliveries } from "../../../src/store/sqlite-webhook-deliveries.js";
import { makeNewBuild } from "../../fakes/make-build.js";
import { makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { makeConfig } from "../../helpers/make-config.js";

const DAY = 86_400_000;
const NOW = 400 * DAY;

let db: Db;
let store: SqliteBuildStore;
let outbox: SqliteOutbox;
let posts: SqliteChatPosts;
let dir: string;
let now = NOW;

beforeEach(async () => {
  now = NOW;
  db = openDatabase(":memory:");
  store = new SqliteBuildStore(db);
  outbox = new SqliteOutbox(db, () => now);
  posts = new SqliteChatPosts(db, () => now);
  dir = await makeTempDir();
});

afterEach(async () => {
  db.close();
  await removeDir(dir);
});

function retention(overrides: Partial<RetentionConfig> = {}): RetentionConfig {
  return { buildsPerRepo: 3, logsMs: 30 * DAY, deliveredPostsMs: 7 * DAY, intervalMs: 600_000, ...overrides };
}

function pruner(overrides: Partial<RetentionConfig> = {}, batch = 2): RetentionPruner {
  return new RetentionPruner({ db, retention: retention(overrides), logsRoot: dir, clock: () => now, batch });
}

/** A build of `repo` in `status`, finished `daysAgo` days ago, with a step, a sent post, a root post and a log. */
async function build(
  repo: string,
  status: BuildStatus = "succeeded",
  daysAgo = 1,
  deployTo: string | null = null,
): Promise<number> {
  const kind = deployTo ? { kind: "deploy" as const, environment: deployTo } : {};
  const { id } = store.create(makeNewBuild({ repo, createdAt: now - daysAgo * DAY - 1000, ...kind }));
  store.setSteps(id, ["make"]);
  if (status !== "queued") {
    store.update(id, {
      status,
      ...(status === "running" ? {} : { finishedAt: now - daysAgo * DAY }),
    });
  }
  const sent = outbox.enqueue({ buildId: id, kind: "build_finished", payload: { id } });
  outbox.markDelivered(sent, now);
  posts.set({ buildId: id, postId: `post-${id}`, channelId: "c" });
  await mkdir(path.join(dir, String(id)), { recursive: true });
  await writeFile(path.join(dir, String(id), "0.log"), "output\n");
  return id;
}

const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;

describe("RetentionPruner", () => {
  it("keeps the newest builds_per_repo of each repo, with everything that belongs to them", async () => {
    const app = [];
    for (let i = 0; i < 6; i++) app.push(await build("app"));
    const web = [await build("web"), await build("web")];

    const report = await pruner().pruneNow();

    expect(report.builds).toBe(3);
    const kept = store.list({ limit: 100 }).map((b) => b.id);
    expect(kept.sort((a, b) => a - b)).toEqual([...app.slice(3), ...web]);
    for (const id of app.slice(0, 3)) {
      expect(store.get(id)).toBeUndefined();
      expect(posts.get(id)).toBeUndefined();
      expect(existsSync(path.join(dir, String(id)))).toBe(false);
    }
    expect(count("SELECT COUNT(*) AS n FROM build_steps")).toBe(5);
    expect(count("SELECT COUNT(*) AS n FROM outbox")).toBe(5);
    expect(existsSync(path.join(dir, String(app[5])))).toBe(true);
  });

  it("never deletes a deploy's build (nor counts it): its deploy record keeps pointing at it", async () => {
    const deployed = await build("app", "succeeded", 90, "production");
    db.prepare(
      `INSERT INTO deploys (build_id, repo, environment, kind, revision, branch, requester, requester_id,
         channel_id, channel_name, state, approvals_needed, created_at)
       VALUES (?, 'app', 'production', 'deploy', 'abc', 'main', 'alice', 'uid-alice', 'c', 'ci', 'succeeded', 0, 1)`,
    ).run(deployed);
    const builds = [];
    for (let i = 0; i < 4; i++) builds.push(await build("app"));
    const failedDeploy = await build("app", "failed", 1, "production");

    const report = await pruner({ buildsPerRepo: 2 }).pruneNow();

    expect(report.builds).toBe(2);
    expect(store.get(deployed)?.kind).toBe("deploy");
    expect(store.get(failedDeploy)?.kind).toBe("deploy");
    expect(count("SELECT COUNT(*) AS n FROM deploys WHERE build_id NOT IN (SELECT id FROM builds)")).toBe(0);
    // The newest two builds stay: the failed deploy after them did not take a place of theirs.
    expect(
      store
        .list({ repo: "app", limit: 10 })
        .map((b) => b.id)
        .sort((a, b) => a - b),
    ).toEqual([deployed, ...builds.slice(2), failedDeploy]);
  });

  it("never deletes a queued or running build, however old", async () => {
    const queued = await build("app", "queued", 90);
    const running = await build("app", "running", 90);
    for (let i = 0; i < 4; i++) await build("app");

    await pruner({ buildsPerRepo: 1 }).pruneNow();

    expect(store.get(queued)?.status).toBe("queued");
    expect(store.get(running)?.status).toBe("running");
    expect(store.list({ repo: "app", limit: 10 }).length).toBe(3);
  });

  it("deletes logs older than `logs` but keeps the build record", async () => {
    const old = await build("app", "failed", 40);
    const recent = await build("app", "failed", 10);
    const running = await build("app", "running", 40);

    const report = await pruner({ buildsPerRepo: 100 }).pruneNow();

    expect(report.logs).toBe(1);
    expect(existsSync(path.join(dir, String(old)))).toBe(false);
    expect(store.get(old)?.status).toBe("failed");
    expect(existsSync(path.join(dir, String(recent)))).toBe(true);
    expect(existsSync(path.join(dir, String(running)))).toBe(true);
  });

  it("deletes artifacts older than `artifacts`, and those of deleted builds, but keeps the build", async () => {
    const artifactsRoot = path.join(dir, "artifacts");
    const old = await build("app", "failed", 8);
    const recent = await build("app", "succeeded", 6);
    const gone = 999_999;
    for (const id of [old, recent, gone]) {
      await mkdir(path.join(artifactsRoot, String(id)), { recursive: true });
      await writeFile(path.join(artifactsRoot, String(id), "0"), "kept\n");
    }
    const report = await new RetentionPruner({
      db,
      retention: retention({ buildsPerRepo: 100 }),
      logsRoot: dir,
      artifactsRoot,
      clock: () => now,
    }).pruneNow();
    expect(report.artifacts).toBe(2);
    expect(existsSync(path.join(artifactsRoot, String(old)))).toBe(false);
    expect(existsSync(path.join(artifactsRoot, String(gone)))).toBe(false);
    expect(existsSync(path.join(artifactsRoot, String(recent)))).toBe(true);
    expect(store.get(old)?.status).toBe("failed");
  });

  it("removes sent posts after delivered_posts, never a pending one", async () => {
    now = NOW - 10 * DAY;
    const oldSent = outbox.enqueue({ buildId: null, kind: "note", payload: 1 });
    outbox.markDelivered(oldSent, now);
    const oldPending = outbox.enqueue({ buildId: null, kind: "note", payload: 2 });
    now = NOW - DAY;
    const newSent = outbox.enqueue({ buildId: null, kind: "note", payload: 3 });
    outbox.markDelivered(newSent, now);
    now = NOW;

    const report = await pruner().pruneNow();

    expect(report.posts).toBe(1);
    const left = (db.prepare("SELECT id FROM outbox ORDER BY id").all() as { id: number }[]).map((r) => r.id);
    expect(left).toEqual([oldPending, newSent]);
  });

  it("forgets webhook delivery ids after a week, in batches; a newer id is still recognised", async () => {
    const deliveries = new SqliteWebhookDeliveries(db);
    for (let i = 0; i < 5; i++)
      deliveries.claim("github", `old-${i}`, now - WEBHOOK_DELIVERY_MEMORY_MS - 1000);
    deliveries.claim("gitlab", "recent", now - DAY);

    const report = await pruner().pruneNow();

    expect(report.deliveries).toBe(5);
    expect(count("SELECT COUNT(*) AS n FROM webhook_deliveries")).toBe(1);
    expect(deliveries.claim("gitlab", "recent", now)).toBe(false);
    // A forgotten id would be handled again (a redelivery a week later is a deliberate one).
    expect(deliveries.claim("github", "old-0", now)).toBe(true);
  });

  it("never reuses a build number, even once every build is gone", async () => {
    await build("app");
    const last = await build("app");
    db.prepare("DELETE FROM build_steps").run();
    db.prepare("DELETE FROM builds").run();

    expect((await build("app")) > last).toBe(true);
  });

  it("works in batches and lets other work run between them", async () => {
    for (let i = 0; i < 30; i++) await build("app");
    const p = pruner({ buildsPerRepo: 1 }, 5);
    const seen: number[] = [];
    let done = false;
    const pass = p.pruneNow().then((report) => {
      done = true;
      return report;
    });
    // Work arriving meanwhile (an acknowledgement) runs between batches: it sees the pruning half done.
    while (!done) {
      seen.push(count("SELECT COUNT(*) AS n FROM builds"));
      await nextTurn();
    }
    expect((await pass).builds).toBe(29);
    expect(seen.some((n) => n > 1 && n < 30)).toBe(true);
  });
});

describe("retention config", () => {
  it("has sensible defaults and reads days", () => {
    expect(makeConfig().retention).toEqual({
      buildsPerRepo: 1000,
      logsMs: 30 * DAY,
      deliveredPostsMs: 7 * DAY,
      intervalMs: 600_000,
      artifactsMs: 7 * DAY,
    });
    expect(makeConfig({ retention: { logs: "14d", builds_per_repo: 50 } }).retention).toMatchObject({
      buildsPerRepo: 50,
      logsMs: 14 * DAY,
    });
  });
});
