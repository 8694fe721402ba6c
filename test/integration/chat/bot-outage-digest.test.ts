import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createMattermostChat,
  type MattermostPosts,
} from "../../../src/chat/mattermost/create-mattermost-chat.js";
import type { Config } from "../../../src/config/config.js";
import type { Build } from "../../../src/core/build.js";
import { repoNotifyFilter } from "../../../src/notify/notify-policy.js";
import { OutboxDeliverer } from "../../../src/notify/outbox-deliverer.js";
import type { SendOutcome, Transport } from "../../../src/notify/ports.js";
import { OutboxStatusNotifier } from "../../../src/notify/status-notifier.js";
import { TokenBucket } from "../../../src/notify/token-bucket.js";
import { type Db, openDatabase } from "../../../src/store/open-database.js";
import { SqliteChatPosts } from "../../../src/store/sqlite-chat-posts.js";
import { SqliteOutbox } from "../../../src/store/sqlite-outbox.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { FakeRestApi, type RestPost } from "../../fakes/fake-mattermost-rest.js";
import { makeBuild } from "../../fakes/make-build.js";
import { VirtualClock } from "../../fakes/virtual-clock.js";
import { makeConfig } from "../../helpers/make-config.js";

/**
 * Bot mode after a Mattermost outage (issue 13 §4): every root post ends patched to its build's
 * final state, as always, but the finish replies, one new post per build, go as a digest channel
 * post once more than `delivery.digest_after` wait for one channel, with every failure's requester
 * @-mentioned. The chat parts come from createMattermostChat, as app.ts wires them; the outbox and
 * the root post ids are in SQLite on disk; the fake Mattermost serves REST v4. Virtual time.
 */

const BOT_TOKEN = "bottoken9x8w7v6u5t4s3r2q1p";
const TOWN_SQUARE = "1vrjnvgfygwwqc38hyf9sxmeco";
const DEV = "devdevdevdevdevdevdevdevde";
/** Builds whose digest needs two posts (about 160 lines fit in one), the second with fewer than 20. */
const TWO_PARTS = 175;
const DIGEST_HEAD = /^While Mattermost could not be reached \(posts waiting since [\d-]+ [\d:]+ UTC\), /;

let dir: string;
let clock: VirtualClock;
let mattermost: FakeMattermost;
let rest: FakeRestApi;
let db: Db;
let config: Config;
let outbox: SqliteOutbox;
const builds = new Map<number, Build>();
/** Where each build was asked for (its posts go there). */
let channelOf: (id: number) => { id: string; name: string } = () => ({
  id: TOWN_SQUARE,
  name: "town-square",
});
const deliverers: OutboxDeliverer[] = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "slashbuild-bot-outage-"));
  clock = new VirtualClock();
  mattermost = await FakeMattermost.start({ clock: clock.now });
  rest = new FakeRestApi(mattermost, { token: BOT_TOKEN, team: "acme", clock: clock.now });
  rest.addChannel("town-square", { id: TOWN_SQUARE });
  rest.addChannel("dev", { id: DEV });
  db = openDatabase(path.join(dir, "slashbuild.db"));
  config = makeConfig(
    { mattermost: { token: "t", url: mattermost.url, bot_token: BOT_TOKEN, team: "acme" } },
    dir,
  );
  outbox = new SqliteOutbox(db, clock.now);
  builds.clear();
  channelOf = () => ({ id: TOWN_SQUARE, name: "town-square" });
});

afterEach(async () => {
  for (const deliverer of deliverers.splice(0)) await deliverer.stop();
  db?.close();
  await mattermost.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Mattermost's side of slashbuild, made afresh as after a restart (only SQLite carries over). */
function chat(): MattermostPosts {
  const { posts } = createMattermostChat(config, {
    rootPosts: new SqliteChatPosts(db, clock.now),
    findBuild: (id) => builds.get(id),
    clock: clock.now,
  });
  if (!posts) throw new Error("the config sets up no Mattermost posts");
  return posts;
}

function startDeliverer(parts: MattermostPosts, transport: Transport = parts.transport): OutboxDeliverer {
  expect(parts.mode).toBe("bot");
  const deliverer = new OutboxDeliverer({
    outbox,
    peer: "Mattermost",
    transport,
    initialBackoffMs: config.delivery.initialBackoffMs,
    maxBackoffMs: config.delivery.maxBackoffMs,
    probeIntervalMs: config.delivery.probeIntervalMs,
    clock: clock.now,
    sleep: clock.sleep,
    rateLimit: new TokenBucket({
      ratePerSecond: config.delivery.ratePerSecond,
      burst: config.delivery.burst,
      clock: clock.now,
    }),
    digest: parts.digest,
  });
  deliverers.push(deliverer);
  deliverer.start();
  return deliverer;
}

function notifier(parts: MattermostPosts): OutboxStatusNotifier {
  return new OutboxStatusNotifier(outbox, config, {
    formatter: parts.formatter,
    filter: repoNotifyFilter(config),
  });
}

const failed = (id: number) => id % 4 === 0;
const requester = (id: number) => `user${id % 7}`;

function queue(notify: OutboxStatusNotifier, id: number): void {
  const { id: channelId, name: channelName } = channelOf(id);
  const build = makeBuild({
    id,
    requester: requester(id),
    channelId,
    channelName,
    status: "queued",
    startedAt: null,
    finishedAt: null,
  });
  builds.set(id, build);
  notify.buildQueued(build);
}

function runAndFinish(notify: OutboxStatusNotifier, id: number): void {
  const queued = builds.get(id) as Build;
  const running: Build = { ...queued, status: "running", startedAt: clock.now() };
  builds.set(id, running);
  notify.buildStarted(running);
  const done: Build = {
    ...running,
    status: failed(id) ? "failed" : "succeeded",
    failingStep: failed(id) ? "make test" : null,
    finishedAt: clock.now() + 1000,
  };
  builds.set(id, done);
  notify.buildFinished(done);
}

/** Some builds' root posts exist before the outage (queued), the rest are asked for during it. */
async function outageWithBuilds(count: number, before: number): Promise<{ notify: OutboxStatusNotifier }> {
  const parts = chat();
  const notify = notifier(parts);
  startDeliverer(parts);
  for (let id = 1; id <= before; id++) queue(notify, id);
  await vi.waitFor(() => expect(rest.roots()).toHaveLength(before), {
    timeout: 20_000,
    interval: 5,
  });
  await vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 20_000, interval: 5 });
  mattermost.outage = "503";
  const down = clock.now();
  for (let id = before + 1; id <= count; id++) queue(notify, id);
  for (let id = 1; id <= count; id++) runAndFinish(notify, id);
  await vi.waitFor(() => expect(clock.now() - down).toBeGreaterThanOrEqual(60_000), {
    timeout: 30_000,
    interval: 5,
  });
  return { notify };
}

function digestPosts(channel?: string): RestPost[] {
  return rest.roots(channel).filter((post) => DIGEST_HEAD.test(post.message));
}

/** The root posts of build `id`, in its channel. */
function rootOf(id: number): RestPost[] {
  return rest.roots(channelOf(id).id).filter((post) => post.message.includes(`Build [#${id}](`));
}

/** Every root post shows its build's final state, and there is exactly one per build. */
function expectRootsFinal(count: number, from = 1): void {
  for (let id = from; id <= count; id++) {
    const roots = rootOf(id);
    expect(roots, `root posts of build #${id}`).toHaveLength(1);
    const word = failed(id) ? "failed" : "succeeded";
    expect(roots[0]?.message).toMatch(new RegExp(`Build \\[#${id}\\]\\(.*\\*\\*${word}\\*\\*`));
  }
}

/** The digest lines: each build once, failures with their requester's @-mention. */
function expectDigestCovers(count: number, posts: readonly RestPost[], from = 1): void {
  const lines = posts.flatMap((post) => post.message.split("\n").filter((l) => l.startsWith("- ")));
  const ids = lines.map((line) => Number(/\[#(\d+)\]\(/.exec(line)?.[1]));
  expect([...ids].sort((a, b) => a - b)).toEqual(
    Array.from({ length: count - from + 1 }, (_, i) => from + i),
  );
  for (const line of lines) {
    const id = Number(/\[#(\d+)\]\(/.exec(line)?.[1]);
    if (failed(id))
      expect(line).toMatch(new RegExp(`^- \\*\\*failed\\*\\* .*requested by @${requester(id)}$`));
    else expect(line).toMatch(new RegExp(`^- \\*\\*succeeded\\*\\* .*requested by ${requester(id)}$`));
  }
}

const threadReplies = () => [...rest.posts.values()].filter((post) => post.rootId !== "");

describe("bot mode after an outage", () => {
  it("patches every root post to its final state and sends the finish replies as one digest, failures mentioned", {
    timeout: 60_000,
  }, async () => {
    const count = 30;
    expect(count).toBeGreaterThan(config.delivery.digestAfter);
    await outageWithBuilds(count, 12);
    expect(rest.events).toHaveLength(12);
    mattermost.outage = "none";
    await vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 30_000, interval: 5 });

    expectRootsFinal(count);
    const digests = digestPosts();
    expect(digests).toHaveLength(1);
    expectDigestCovers(count, digests);
    expect(digests[0]?.message).toMatch(/30 builds finished \(7 not successful\):/);
    expect(threadReplies()).toEqual([]);
    // The news and the mentions first, then the root posts are tidied: the first post after the
    // outage is the digest.
    const afterOutage = rest.events.slice(12);
    expect(afterOutage[0]?.message).toMatch(DIGEST_HEAD);
    // Nothing twice: the digest once, each root created once and patched once to its final state.
    expect(afterOutage.filter((e) => e.op === "create")).toHaveLength(1 + (count - 12));
    expect(afterOutage.filter((e) => e.op === "patch")).toHaveLength(12);
  });

  it("counts per channel: digest_after replies go in their threads, one more in a channel makes a digest", {
    timeout: 60_000,
  }, async () => {
    const after = config.delivery.digestAfter;
    // Builds 1..after in town-square (exactly the threshold), the next after + 1 in dev.
    const count = 2 * after + 1;
    channelOf = (id) => (id <= after ? { id: TOWN_SQUARE, name: "town-square" } : { id: DEV, name: "dev" });
    await outageWithBuilds(count, 5);
    mattermost.outage = "none";
    await vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 30_000, interval: 5 });

    expectRootsFinal(count);
    expect(digestPosts(TOWN_SQUARE)).toEqual([]);
    for (let id = 1; id <= after; id++) {
      const root = rootOf(id)[0] as RestPost;
      const replies = rest.replies(root.id);
      expect(replies).toHaveLength(1);
      expect(replies[0]?.message).toMatch(new RegExp(`^@${requester(id)} build \\[#${id}\\]`));
    }
    const dev = digestPosts(DEV);
    expect(dev).toHaveLength(1);
    expectDigestCovers(count, dev, after + 1);
    for (let id = after + 1; id <= count; id++)
      expect(rest.replies((rootOf(id)[0] as RestPost).id)).toEqual([]);
  });

  it("sends the digest to a channel named in the config (notify_channel), resolved by name", {
    timeout: 60_000,
  }, async () => {
    config = makeConfig(
      {
        mattermost: { token: "t", url: mattermost.url, bot_token: BOT_TOKEN, team: "acme" },
        repos: {
          app: { url: "/nonexistent/app.git", branch: "main", commands: ["true"], notify_channel: "dev" },
        },
      },
      dir,
    );
    const count = config.delivery.digestAfter + 5;
    await outageWithBuilds(count, 5);
    mattermost.outage = "none";
    await vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 30_000, interval: 5 });

    expect(rest.roots(TOWN_SQUARE)).toEqual([]);
    const digests = digestPosts(DEV);
    expect(digests).toHaveLength(1);
    expectDigestCovers(count, digests);
    expect(rest.roots(DEV)).toHaveLength(count + 1);
    expect(threadReplies()).toEqual([]);
  });

  it("sends a backlog too long for one post as several digest posts, the tail too, and no reply", {
    timeout: 60_000,
  }, async () => {
    // Two parts: the second carries fewer than digest_after builds, and is still a digest part.
    const count = TWO_PARTS;
    await outageWithBuilds(count, 10);
    mattermost.outage = "none";
    await vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 30_000, interval: 5 });

    const digests = digestPosts();
    expect(digests).toHaveLength(2);
    expect(digests[0]?.message).toMatch(/\(1\/2\)\n/);
    expect(digests[1]?.message).toMatch(/\(2\/2\)\n/);
    const tail = (digests[1]?.message.split("\n") ?? []).filter((l) => l.startsWith("- "));
    expect(tail.length).toBeGreaterThan(0);
    expect(tail.length).toBeLessThanOrEqual(config.delivery.digestAfter);
    expectDigestCovers(count, digests);
    expect(threadReplies()).toEqual([]);
    expectRootsFinal(count);
    // The digest parts first, one after the other, then the root posts.
    expect(rest.events.slice(10, 12).every((e) => DIGEST_HEAD.test(e.message))).toBe(true);
  });

  it("loses nothing and sends nothing twice when slashbuild restarts after the digest, among the root posts", {
    timeout: 60_000,
  }, async () => {
    const count = 40;
    await outageWithBuilds(count, 10);
    // Stopped after its third post once Mattermost is back: the digest and two root posts.
    await restartAfter(3);
    expect(digestPosts()).toHaveLength(1);

    expectRootsFinal(count);
    expectDigestCovers(count, digestPosts());
    expect(threadReplies()).toEqual([]);
    const afterOutage = rest.events.slice(10);
    expect(afterOutage.filter((e) => e.op === "create")).toHaveLength(1 + (count - 10));
    expect(afterOutage.filter((e) => e.op === "patch")).toHaveLength(10);
  });

  it("loses nothing and sends nothing twice when slashbuild restarts between two digest parts", {
    timeout: 60_000,
  }, async () => {
    const count = TWO_PARTS;
    await outageWithBuilds(count, 10);
    await restartAfter(1);

    // The first part went out before the restart. The builds it did not carry are still pending
    // and the rule is applied afresh: no more than digest_after, so they are thread replies.
    const digests = digestPosts();
    expect(digests).toHaveLength(1);
    expect(digests[0]?.message).toMatch(/\(1\/2\)\n/);
    const inDigest = digests[0]?.message.split("\n").filter((l) => l.startsWith("- ")) ?? [];
    const digested = inDigest.map((line) => Number(/\[#(\d+)\]\(/.exec(line)?.[1]));
    const replied = threadReplies().map((reply) => Number(/ build \[#(\d+)\]\(/.exec(reply.message)?.[1]));
    expect(replied.length).toBeLessThanOrEqual(config.delivery.digestAfter);
    for (const id of replied) expect(rest.replies((rootOf(id)[0] as RestPost).id)).toHaveLength(1);
    expect([...digested, ...replied].sort((a, b) => a - b)).toEqual(
      Array.from({ length: count }, (_, i) => i + 1),
    );
    expectRootsFinal(count);
    const afterOutage = rest.events.slice(10);
    expect(afterOutage.filter((e) => e.op === "patch")).toHaveLength(10);
    expect(afterOutage.filter((e) => e.op === "create")).toHaveLength(1 + (count - 10) + replied.length);
  });
});

/**
 * Once Mattermost is back, the running deliverer is stopped after its `posts`-th accepted post, as
 * a restart stops it (the post in flight is recorded first); a new one, with fresh chat parts and
 * only SQLite carried over, drains the rest.
 */
async function restartAfter(posts: number): Promise<void> {
  await (deliverers[0] as OutboxDeliverer).stop();
  let delivered = 0;
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const parts = chat();
  const counting: Transport = {
    async send(payload): Promise<SendOutcome> {
      const outcome = await parts.transport.send(payload);
      if (outcome.kind === "delivered" && ++delivered === posts) await held;
      return outcome;
    },
  };
  const second = startDeliverer(parts, counting);
  mattermost.outage = "none";
  await vi.waitFor(() => expect(delivered).toBe(posts), { timeout: 30_000, interval: 5 });
  const stopping = second.stop();
  release();
  await stopping;
  expect(outbox.pendingCount()).toBeGreaterThan(0);
  startDeliverer(chat());
  await vi.waitFor(() => expect(outbox.pendingCount()).toBe(0), { timeout: 30_000, interval: 5 });
}
