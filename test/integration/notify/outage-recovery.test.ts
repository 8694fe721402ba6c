import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { webhookFormatter } from "../../../src/chat/mattermost/status-formatters.js";
import { createWebhookTransport } from "../../../src/chat/mattermost/webhook-transport.js";
import { repoNotifyFilter } from "../../../src/notify/notify-policy.js";
import { OutboxDeliverer } from "../../../src/notify/outbox-deliverer.js";
import { OutboxStatusNotifier } from "../../../src/notify/status-notifier.js";
import { TokenBucket } from "../../../src/notify/token-bucket.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { SqliteOutbox } from "../../../src/store/sqlite-outbox.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { makeBuild } from "../../fakes/make-build.js";
import { VirtualClock } from "../../fakes/virtual-clock.js";
import { makeConfig } from "../../helpers/make-config.js";

/**
 * A 60 s Mattermost outage with 40 finished builds waiting. Once it is back, delivery must resume
 * at the configured rate at once: each post's own backoff (by then up to a minute or more) must
 * not keep it waiting. Virtual time throughout: the assertions compare times the fake recorded.
 */

const BUILDS = 40;
const RATE = 5;
const BURST = 20;
const PROBE_MS = 5000;

let dir: string;
let clock: VirtualClock;
let mattermost: FakeMattermost;
let db: Db;
let deliverer: OutboxDeliverer;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "slashbuild-outage-"));
  clock = new VirtualClock();
  mattermost = await FakeMattermost.start({ clock: clock.now });
});

afterEach(async () => {
  await deliverer?.stop();
  db?.close();
  await mattermost.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("after an outage", () => {
  it("delivers every pending post within a probe interval plus the paced drain, once each", {
    timeout: 60_000,
  }, async () => {
    const hookUrl = mattermost.addIncomingWebhook("ci");
    db = openDatabase(path.join(dir, "slashbuild.db"));
    const outbox = new SqliteOutbox(db, clock.now);
    const config = makeConfig({ mattermost: { token: "t", webhook_url: hookUrl } }, dir);
    deliverer = new OutboxDeliverer({
      outbox,
      transport: createWebhookTransport({ webhookUrl: hookUrl, timeoutMs: 10_000, clock: clock.now }),
      initialBackoffMs: config.delivery.initialBackoffMs,
      maxBackoffMs: config.delivery.maxBackoffMs,
      probeIntervalMs: PROBE_MS,
      clock: clock.now,
      sleep: clock.sleep,
      rateLimit: new TokenBucket({ ratePerSecond: RATE, burst: BURST, clock: clock.now }),
    });
    const notifier = new OutboxStatusNotifier(outbox, config, {
      formatter: webhookFormatter(config),
      filter: repoNotifyFilter(config),
    });

    mattermost.outage = "503";
    const down = clock.now();
    for (let id = 1; id <= BUILDS; id++) {
      notifier.buildFinished(makeBuild({ id, status: "succeeded", finishedAt: down }));
    }
    deliverer.start();
    await vi.waitFor(() => expect(clock.now() - down).toBeGreaterThanOrEqual(60_000), {
      timeout: 30_000,
      interval: 5,
    });
    const failedTries = mattermost.requests.filter((r) => r.status === 503).length;
    mattermost.outage = "none";
    const back = clock.now();
    await vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 30_000, interval: 5 });

    // During the outage: probes, not every post hammering on its own (at most one per second).
    expect(failedTries).toBeLessThanOrEqual(60);
    // Every build once.
    const ids = mattermost.posts.map((post) => /\[#(\d+)\]\(/.exec(post.message)?.[1]);
    expect(new Set(ids).size).toBe(BUILDS);
    expect(ids).toHaveLength(BUILDS);
    // The first probe after the recovery within PROBE_MS, then (BUILDS - BURST) / RATE seconds of pacing.
    const last = Math.max(...mattermost.posts.map((post) => post.at));
    expect(last - back).toBeLessThanOrEqual(PROBE_MS + ((BUILDS - BURST) / RATE) * 1000 + 1000);
  });
});
