import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { webhookFormatter } from "../../../src/chat/mattermost/status-formatters.js";
import { webhookDigest } from "../../../src/chat/mattermost/webhook-digest.js";
import { createWebhookTransport } from "../../../src/chat/mattermost/webhook-transport.js";
import type { Config } from "../../../src/config/config.js";
import type { Build } from "../../../src/core/build.js";
import type { OutboxDelivererOptions } from "../../../src/notify/deliverer-options.js";
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

/**
 * The webhook sink on a fresh database, as app.ts wires it, paced at RATE per second (BURST at
 * once) on the virtual clock; `extra` adds or replaces deliverer options, given the config.
 */
function webhookSink(extra: (config: Config) => Partial<OutboxDelivererOptions>) {
  const hookUrl = mattermost.addIncomingWebhook("ci");
  db = openDatabase(path.join(dir, "slashbuild.db"));
  const outbox = new SqliteOutbox(db, clock.now);
  const config = makeConfig({ mattermost: { token: "t", webhook_url: hookUrl } }, dir);
  deliverer = new OutboxDeliverer({
    outbox,
    peer: "Mattermost",
    transport: createWebhookTransport({ webhookUrl: hookUrl, timeoutMs: 10_000, clock: clock.now }),
    initialBackoffMs: config.delivery.initialBackoffMs,
    maxBackoffMs: config.delivery.maxBackoffMs,
    probeIntervalMs: config.delivery.probeIntervalMs,
    clock: clock.now,
    sleep: clock.sleep,
    rateLimit: new TokenBucket({ ratePerSecond: RATE, burst: BURST, clock: clock.now }),
    ...extra(config),
  });
  const notifier = new OutboxStatusNotifier(outbox, config, {
    formatter: webhookFormatter(config),
    filter: repoNotifyFilter(config),
  });
  return { outbox, config, notifier };
}

describe("after an outage", () => {
  it("delivers every pending post within a probe interval plus the paced drain, once each", {
    timeout: 60_000,
  }, async () => {
    const { outbox, notifier } = webhookSink(() => ({ probeIntervalMs: PROBE_MS }));

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

describe("an outage backlog of 200 builds", () => {
  it("arrives as digest posts soon after recovery: every build once, failures with their @-mention", {
    timeout: 60_000,
  }, async () => {
    const builds = new Map<number, Build>();
    const { outbox, config, notifier } = webhookSink((config) => ({
      digest: webhookDigest(config, (id) => builds.get(id)),
    }));
    expect(config.delivery.digestAfter).toBe(20);

    mattermost.outage = "503";
    const down = clock.now();
    deliverer.start();
    // 200 builds start and finish while Mattermost is down.
    for (let id = 1; id <= 200; id++) {
      const build = makeBuild({ id, requester: `user${id % 7}`, status: "running", finishedAt: null });
      builds.set(id, build);
      notifier.buildStarted(build);
      const done = {
        ...build,
        status: id % 5 === 0 ? ("failed" as const) : ("succeeded" as const),
        failingStep: id % 5 === 0 ? "make test" : null,
        finishedAt: clock.now(),
      };
      builds.set(id, done);
      notifier.buildFinished(done);
    }
    await vi.waitFor(() => expect(clock.now() - down).toBeGreaterThanOrEqual(60_000), {
      timeout: 30_000,
      interval: 5,
    });
    expect(mattermost.posts).toEqual([]);
    mattermost.outage = "none";
    const back = clock.now();
    await vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 30_000, interval: 5 });

    // Every final state in the channel within 15 s of recovery, in a handful of posts.
    const last = Math.max(...mattermost.posts.map((post) => post.at));
    expect(last - back).toBeLessThanOrEqual(15_000);
    expect(mattermost.posts.length).toBeLessThanOrEqual(5);
    // Each build exactly once, never a start post, failures with the requester's @-mention.
    const lines = mattermost.posts.flatMap((post) =>
      post.message.split("\n").filter((l) => l.startsWith("- ")),
    );
    const ids = lines.map((line) => Number(/\[#(\d+)\]\(/.exec(line)?.[1]));
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    for (const line of lines) {
      const id = Number(/\[#(\d+)\]\(/.exec(line)?.[1]);
      if (id % 5 === 0)
        expect(line).toMatch(new RegExp(`^- \\*\\*failed\\*\\* .*requested by @user${id % 7}$`));
      else expect(line).toMatch(/^- \*\*succeeded\*\* .*requested by user\d$/);
    }
    expect(mattermost.posts[0]?.message).toMatch(/^While Mattermost could not be reached/);
    expect(mattermost.posts.some((post) => /started/.test(post.message))).toBe(false);
  });

  it("sends the tail of a backlog too long for one post as a digest part too, never post by post", {
    timeout: 60_000,
  }, async () => {
    // About 160 lines fit in a post: 175 builds make a second part with fewer than digest_after.
    const count = 175;
    const builds = new Map<number, Build>();
    const { outbox, notifier } = webhookSink((config) => ({
      probeIntervalMs: config.delivery.probeIntervalMs,
      digest: webhookDigest(config, (id) => builds.get(id)),
    }));
    mattermost.outage = "503";
    deliverer.start();
    for (let id = 1; id <= count; id++) {
      const build = makeBuild({ id, status: id % 5 === 0 ? "failed" : "succeeded", finishedAt: clock.now() });
      builds.set(id, build);
      notifier.buildFinished(build);
    }
    await vi.waitFor(() => expect(mattermost.requests.length).toBeGreaterThan(2), {
      timeout: 30_000,
      interval: 5,
    });
    mattermost.outage = "none";
    await vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 30_000, interval: 5 });

    expect(mattermost.posts).toHaveLength(2);
    expect(mattermost.posts[1]?.message).toMatch(/^While Mattermost could not be reached .*\(2\/2\)\n/);
    const ids = mattermost.posts.flatMap((post) =>
      post.message
        .split("\n")
        .filter((l) => l.startsWith("- "))
        .map((l) => Number(/\[#(\d+)\]\(/.exec(l)?.[1])),
    );
    expect(ids).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });
});
