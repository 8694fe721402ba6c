import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createBotTransport } from "../../../src/chat/mattermost/bot-transport.js";
import { createMattermostApi } from "../../../src/chat/mattermost/mattermost-api.js";
import { botFormatter } from "../../../src/chat/mattermost/status-formatters.js";
import type { Build } from "../../../src/core/build.js";
import { repoNotifyFilter } from "../../../src/notify/notify-policy.js";
import { OutboxDeliverer } from "../../../src/notify/outbox-deliverer.js";
import { OutboxStatusNotifier } from "../../../src/notify/status-notifier.js";
import { TokenBucket } from "../../../src/notify/token-bucket.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { SqliteChatPosts } from "../../../src/store/sqlite-chat-posts.js";
import { SqliteOutbox } from "../../../src/store/sqlite-outbox.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { FakeRestApi } from "../../fakes/fake-mattermost-rest.js";
import { makeBuild } from "../../fakes/make-build.js";
import { VirtualClock } from "../../fakes/virtual-clock.js";
import { makeConfig } from "../../helpers/make-config.js";

/**
 * 500 builds finishing at once, in bot mode, against a fake Mattermost that enforces its default
 * rate limit (10/s, burst 100). slashbuild paces itself below that (5/s, burst 20), so nothing
 * meets a 429, nothing is lost, and each build's messages arrive in order. All time is virtual:
 * assertions read the times the fake recorded, never the wall clock.
 */

const BUILDS = 500;
const RATE = 5;
const BURST = 20;
const CHANNEL = "1vrjnvgfygwwqc38hyf9sxmeco";

let clock: VirtualClock;
let mattermost: FakeMattermost;
let rest: FakeRestApi;
let db: Db;
let deliverer: OutboxDeliverer;

beforeEach(async () => {
  clock = new VirtualClock();
  mattermost = await FakeMattermost.start({ clock: clock.now });
  rest = new FakeRestApi(mattermost, { token: "bot", clock: clock.now });
  rest.addChannel("town-square", { id: CHANNEL });
  mattermost.setRateLimit({ perSec: 10, maxBurst: 100 });
  db = openDatabase(":memory:");
});

afterEach(async () => {
  await deliverer?.stop();
  db.close();
  await mattermost.close();
});

function wire(rateLimit: TokenBucket | undefined) {
  const outbox = new SqliteOutbox(db, clock.now);
  const config = makeConfig({ mattermost: { token: "t", url: mattermost.url, bot_token: "bot" } });
  const notifier = new OutboxStatusNotifier(outbox, config, {
    formatter: botFormatter(config),
    filter: repoNotifyFilter(config),
  });
  const api = createMattermostApi({ url: mattermost.url, token: "bot", timeoutMs: 10_000, clock: clock.now });
  deliverer = new OutboxDeliverer({
    outbox,
    peer: "Mattermost",
    transport: createBotTransport({ api, posts: new SqliteChatPosts(db, clock.now), team: null }),
    initialBackoffMs: 1000,
    maxBackoffMs: 60_000,
    clock: clock.now,
    sleep: clock.sleep,
    ...(rateLimit ? { rateLimit } : {}),
  });
  return { outbox, notifier };
}

const drained = (outbox: SqliteOutbox) =>
  vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 60_000, interval: 50 });

function builds(status: Build["status"]): Build[] {
  return Array.from({ length: BUILDS }, (_, i) =>
    makeBuild({
      id: i + 1,
      status,
      channelId: CHANNEL,
      ...(status === "queued" ? { sha: null, startedAt: null } : { finishedAt: 1_070_000 }),
      ...(status === "failed" ? { failingStep: "make test" } : {}),
    }),
  );
}

/** Most requests the fake saw in any window of one second. */
function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= 1000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe("a burst of 500 finishing builds in bot mode", () => {
  it("is delivered under the configured rate: no 429, none lost, in order within each build", {
    timeout: 120_000,
  }, async () => {
    const { outbox, notifier } = wire(
      new TokenBucket({ ratePerSecond: RATE, burst: BURST, clock: clock.now }),
    );
    for (const build of builds("queued")) notifier.buildQueued(build);
    deliverer.start();
    await drained(outbox);
    const queuedDone = clock.now();
    // All at once: half succeed, half fail.
    const finished = builds("succeeded").map((b, i) =>
      i % 2 === 0 ? b : { ...b, status: "failed" as const, failingStep: "make test" },
    );
    for (const build of finished) notifier.buildFinished(build);
    await drained(outbox);

    expect(mattermost.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(mattermost.requests).toHaveLength(BUILDS * 3);
    expect(busiestSecond(mattermost.requests.map((r) => r.at))).toBeLessThanOrEqual(BURST + RATE);
    // 1000 messages after the finish at 5/s (the burst spent): at least (1000 - 20) / 5 seconds.
    expect(clock.now() - queuedDone).toBeGreaterThanOrEqual(((2 * BUILDS - BURST) / RATE) * 1000 - 1000);

    const roots = rest.roots(CHANNEL);
    expect(roots).toHaveLength(BUILDS);
    for (const build of finished) {
      const root = roots.find((post) => post.message.includes(`Build [#${build.id}](`));
      expect(root, `root post of #${build.id}`).toBeDefined();
      if (!root) continue;
      expect(root.history).toHaveLength(2);
      expect(root.history[0]).toMatch(/is queued\.$/);
      expect(root.message).toContain(build.status === "failed" ? "**failed**" : "**succeeded**");
      const ops = rest.events
        .filter((e) => e.postId === root.id || e.rootId === root.id)
        .map((e) => e.op + (e.rootId ? "-reply" : ""));
      expect(ops).toEqual(["create", "patch", "create-reply"]);
    }
  });

  it("without the client-side limit the same burst meets Mattermost's 429s (what the limit prevents)", {
    timeout: 120_000,
  }, async () => {
    const { outbox, notifier } = wire(undefined);
    for (const build of builds("succeeded")) notifier.buildFinished(build);
    deliverer.start();
    await drained(outbox);
    expect(mattermost.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    // Still nothing lost: 429s pause everything and retry.
    expect(rest.roots(CHANNEL)).toHaveLength(BUILDS);
  });
});
