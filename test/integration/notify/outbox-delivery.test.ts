import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { webhookFormatter } from "../../../src/chat/mattermost/status-formatters.js";
import { createWebhookTransport } from "../../../src/chat/mattermost/webhook-transport.js";
import type { Build } from "../../../src/core/build.js";
import { repoNotifyFilter } from "../../../src/notify/notify-policy.js";
import { OutboxDeliverer } from "../../../src/notify/outbox-deliverer.js";
import { OutboxStatusNotifier } from "../../../src/notify/status-notifier.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { SqliteOutbox } from "../../../src/store/sqlite-outbox.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { makeBuild } from "../../fakes/make-build.js";
import { VirtualClock } from "../../fakes/virtual-clock.js";
import { makeConfig } from "../../helpers/make-config.js";

/**
 * The outbox against a fake Mattermost on loopback. Deliverer, outbox and fake share one virtual
 * clock: backoff and Retry-After waits jump it forward, and assertions compare the times the fake
 * recorded, never the wall clock.
 */

let dir: string;
let clock: VirtualClock;
let mattermost: FakeMattermost;
let hookUrl: string;
const opened: { db: Db; deliverer: OutboxDeliverer }[] = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "slashbuild-outbox-"));
  clock = new VirtualClock();
  mattermost = await FakeMattermost.start({ clock: clock.now });
  hookUrl = mattermost.addIncomingWebhook("ci");
});

afterEach(async () => {
  for (const { deliverer, db } of opened.splice(0)) {
    await deliverer.stop();
    if (db.open) db.close();
  }
  await mattermost.close();
  rmSync(dir, { recursive: true, force: true });
});

function open() {
  const db = openDatabase(path.join(dir, "slashbuild.db"));
  const outbox = new SqliteOutbox(db, clock.now);
  const config = makeConfig({ mattermost: { token: "t", webhook_url: hookUrl } }, dir);
  const deliverer = new OutboxDeliverer({
    outbox,
    peer: "Mattermost",
    transport: createWebhookTransport({ webhookUrl: hookUrl, timeoutMs: 10_000, clock: clock.now }),
    initialBackoffMs: config.delivery.initialBackoffMs,
    maxBackoffMs: config.delivery.maxBackoffMs,
    clock: clock.now,
    sleep: clock.sleep,
  });
  opened.push({ db, deliverer });
  return {
    db,
    outbox,
    deliverer,
    notifier: new OutboxStatusNotifier(outbox, config, {
      formatter: webhookFormatter(config),
      filter: repoNotifyFilter(config),
    }),
  };
}

function lifecycle(notifier: OutboxStatusNotifier, id: number): void {
  const build: Build = makeBuild({ id });
  notifier.buildStarted(build);
  notifier.buildFinished({ ...build, status: "succeeded", finishedAt: (build.startedAt ?? 0) + 42_000 });
}

const postsOf = (id: number) =>
  mattermost.posts
    .filter((post) => post.message.includes(`[#${id}](`))
    .map((post) => (post.message.includes("started") ? "started" : "finished"));

const drained = (outbox: SqliteOutbox) =>
  vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 20_000 });

describe("outbox delivery to Mattermost", () => {
  it("delivers everything once, in order within each build, after Mattermost was down", async () => {
    const { outbox, deliverer, notifier } = open();
    mattermost.outage = "close";
    lifecycle(notifier, 1);
    lifecycle(notifier, 2);
    deliverer.start();
    await vi.waitFor(() =>
      expect(mattermost.requests.filter((r) => r.status === "closed").length).toBeGreaterThanOrEqual(3),
    );
    mattermost.outage = "503";
    await vi.waitFor(() =>
      expect(mattermost.requests.filter((r) => r.status === 503).length).toBeGreaterThanOrEqual(3),
    );
    expect(mattermost.posts).toEqual([]);
    mattermost.outage = "none";
    await drained(outbox);

    // Each build's start post was still pending when it finished: dropped as stale, never sent.
    expect(mattermost.posts).toHaveLength(2);
    expect(postsOf(1)).toEqual(["finished"]);
    expect(postsOf(2)).toEqual(["finished"]);
    expect(
      mattermost.posts.every((post) => post.channel === "ci" && post.props.from_webhook === "true"),
    ).toBe(true);
  });

  it("honours Retry-After on a 429: no request before the stated time", async () => {
    // One request per 5 s and no burst: the second message in a row gets 429 with Retry-After: 5.
    mattermost.setRateLimit({ perSec: 0.2, maxBurst: 0 });
    const { outbox, deliverer, notifier } = open();
    lifecycle(notifier, 1);
    lifecycle(notifier, 2);
    deliverer.start();
    await drained(outbox);

    const limited = mattermost.requests.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const hit of limited) {
      const retryAfter = Number(hit.responseHeaders["retry-after"]);
      expect(retryAfter).toBeGreaterThan(0);
      const next = mattermost.requests[mattermost.requests.indexOf(hit) + 1];
      expect(next?.at).toBeGreaterThanOrEqual(hit.at + retryAfter * 1000);
    }
    expect(mattermost.posts).toHaveLength(2);
    expect(postsOf(1)).toEqual(["finished"]);
    expect(postsOf(2)).toEqual(["finished"]);
  });

  it("drops a message Mattermost refuses (400) and still delivers the ones after it", async () => {
    const { db, outbox, deliverer, notifier } = open();
    // Empty text and no attachments: Mattermost answers 400 "No text specified." every time.
    outbox.enqueue({ buildId: 1, kind: "note", payload: { text: "" } });
    lifecycle(notifier, 1);
    lifecycle(notifier, 2);
    deliverer.start();
    await drained(outbox);

    expect(mattermost.requests.filter((r) => r.status === 400)).toHaveLength(1);
    expect(postsOf(1)).toEqual(["finished"]);
    expect(postsOf(2)).toEqual(["finished"]);
    expect(db.prepare("SELECT state FROM outbox ORDER BY id").pluck().all()).toEqual([
      "failed",
      "superseded",
      "delivered",
      "superseded",
      "delivered",
    ]);
  });

  it("delivers after a restart what was pending before it", async () => {
    const first = open();
    mattermost.outage = "close";
    lifecycle(first.notifier, 7);
    first.deliverer.start();
    await vi.waitFor(() => expect(mattermost.requests.length).toBeGreaterThanOrEqual(2));
    await first.deliverer.stop();
    first.db.close();

    mattermost.outage = "none";
    const second = open();
    expect(second.outbox.pendingCount()).toBe(1);
    second.deliverer.start();
    await drained(second.outbox);
    expect(postsOf(7)).toEqual(["finished"]);
    expect(mattermost.posts).toHaveLength(1);
  });
});

describe("webhook mode: stale start posts", () => {
  it("sends a start post that went out before the finish, and drops one still pending", async () => {
    const { outbox, deliverer, notifier } = open();
    deliverer.start();
    const build: Build = makeBuild({ id: 3 });
    notifier.buildStarted(build);
    await drained(outbox);
    notifier.buildFinished({ ...build, status: "succeeded", finishedAt: (build.startedAt ?? 0) + 1000 });
    await drained(outbox);
    expect(postsOf(3)).toEqual(["started", "finished"]);
  });
});
