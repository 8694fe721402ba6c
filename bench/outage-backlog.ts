import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createMattermostChat } from "../src/chat/mattermost/create-mattermost-chat.js";
import type { Config } from "../src/config/config.js";
import type { Build } from "../src/core/build.js";
import { repoNotifyFilter } from "../src/notify/notify-policy.js";
import { OutboxDeliverer } from "../src/notify/outbox-deliverer.js";
import { OutboxStatusNotifier } from "../src/notify/status-notifier.js";
import { TokenBucket } from "../src/notify/token-bucket.js";
import { openDatabase } from "../src/store/open-database.js";
import { SqliteChatPosts } from "../src/store/sqlite-chat-posts.js";
import { SqliteOutbox } from "../src/store/sqlite-outbox.js";
import { FakeMattermost } from "../test/fakes/fake-mattermost.js";
import { FakeRestApi } from "../test/fakes/fake-mattermost-rest.js";
import { makeBuild } from "../test/fakes/make-build.js";
import { VirtualClock } from "../test/fakes/virtual-clock.js";
import { makeConfig } from "../test/helpers/make-config.js";
import { type Benchmark, fmt } from "./benchmark.js";

/**
 * A 60 s Mattermost outage while 200 builds start and finish, in webhook mode and in bot mode
 * (default delivery settings: 5 posts/s, burst 20, probe every 5 s, digest after 20). The fake
 * Mattermost, the outbox on disk and the deliverer share a virtual clock, so the figures are the
 * schedule the deliverer keeps (what a person in the channel would see), not this machine's speed.
 * Chat's parts come from createMattermostChat, as app.ts wires them.
 */

const BUILDS = 200;
const OUTAGE_MS = 60_000;
const BOT_TOKEN = "bottoken9x8w7v6u5t4s3r2q1p";
const CHANNEL = "1vrjnvgfygwwqc38hyf9sxmeco";
const DIGEST = /^While Mattermost could not be reached/;

interface Outcome {
  readonly pendingBefore: number;
  readonly tries: number;
  readonly postsAfter: number;
  readonly digests: number;
  readonly replies: number;
  /** Recovery → the last digest post (every final state and @-mention in the channel). */
  readonly newsSeconds: number;
  /** Recovery → the last request (bot mode: the last root post patched). */
  readonly drainSeconds: number;
  readonly busiestSecond: number;
  readonly missing: number;
  readonly twice: number;
}

export const outageBacklog: Benchmark = {
  name: "Outage backlog: 200 builds during a 60 s Mattermost outage (webhook and bot mode, virtual clock)",
  unavailable: () => null,
  async run() {
    const webhook = await scenario("webhook");
    const bot = await scenario("bot");
    const config = makeConfig();
    const { ratePerSecond: rate, burst } = config.delivery;
    const row = (label: string, value: (o: Outcome) => string) => [label, value(webhook), value(bot)];
    return {
      table: [
        ["measure", "webhook mode", "bot mode"],
        row("messages pending at recovery (webhook: finish posts; bot: root update + reply per build)", (o) =>
          String(o.pendingBefore),
        ),
        row("tries during the 60 s outage", (o) => String(o.tries)),
        row("posts created after recovery", (o) => String(o.postsAfter)),
        row("of which digest posts / thread replies", (o) => `${o.digests} / ${o.replies}`),
        row("recovery → every result and @-mention in the channel (virtual s)", (o) => fmt(o.newsSeconds)),
        row("recovery → last request (bot: last root post patched) (virtual s)", (o) => fmt(o.drainSeconds)),
        row("most requests in one second after recovery", (o) => String(o.busiestSecond)),
        row("builds missing / announced twice", (o) => `${o.missing} / ${o.twice}`),
      ],
      verdicts: [webhook, bot].flatMap((o, i) => {
        const mode = i === 0 ? "webhook" : "bot";
        return [
          `${mode}: every result in the channel within ${fmt(o.newsSeconds)} s of recovery (target ≤ 15 s): ${o.newsSeconds <= 15 ? "met" : "NOT met"}${mode === "bot" ? `; the root posts are all patched to their final state after ${fmt(o.drainSeconds)} s, one per send at the configured rate` : ""}`,
          `${mode}: at most ${o.busiestSecond} requests in a second (configured: ${rate}/s, burst ${burst}): ${o.busiestSecond <= rate + burst ? "met" : "NOT met"}`,
          `${mode}: none missing, none twice: ${o.missing === 0 && o.twice === 0 ? "met" : "NOT met"}`,
        ];
      }),
      notes: [
        "virtual clock: the deliverer's schedule, independent of this machine's load",
        `recovery is seen at the next probe: add up to delivery.probe_interval (${config.delivery.probeIntervalMs / 1000} s) to the figures above for an outage that ends just after a probe`,
        "bot mode: the digest goes first; each build's root post is then patched (or created) to its final state at the configured rate, which is what the last-request figure measures",
      ],
    };
  },
};

async function scenario(mode: "webhook" | "bot"): Promise<Outcome> {
  const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-bench-outage-"));
  const clock = new VirtualClock();
  const mattermost = await FakeMattermost.start({ clock: clock.now });
  const db = openDatabase(path.join(dir, "slashbuild.db"));
  try {
    let rest: FakeRestApi | null = null;
    let config: Config;
    if (mode === "bot") {
      rest = new FakeRestApi(mattermost, { token: BOT_TOKEN, team: "acme", clock: clock.now });
      rest.addChannel("town-square", { id: CHANNEL });
      config = makeConfig(
        { mattermost: { token: "t", url: mattermost.url, bot_token: BOT_TOKEN, team: "acme" } },
        dir,
      );
    } else {
      const hookUrl = mattermost.addIncomingWebhook("ci");
      config = makeConfig({ mattermost: { token: "t", webhook_url: hookUrl } }, dir);
    }
    const outbox = new SqliteOutbox(db, clock.now);
    const builds = new Map<number, Build>();
    const chat = createMattermostChat(config, {
      rootPosts: new SqliteChatPosts(db, clock.now),
      findBuild: (id) => builds.get(id),
      clock: clock.now,
    }).posts;
    if (!chat) throw new Error("the config sets up no Mattermost posts");
    const deliverer = new OutboxDeliverer({
      outbox,
      peer: "Mattermost",
      transport: chat.transport,
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
      digest: chat.digest,
    });
    const notifier = new OutboxStatusNotifier(outbox, config, {
      formatter: chat.formatter,
      filter: repoNotifyFilter(config),
    });
    deliverer.start();
    // Bot mode: the first half was asked for before the outage, so their root posts exist.
    const before = mode === "bot" ? BUILDS / 2 : 0;
    const queue = (id: number) => {
      const build = makeBuild({ id, requester: `user${id % 7}`, status: "queued", startedAt: null });
      builds.set(id, build);
      notifier.buildQueued(build);
    };
    for (let id = 1; id <= before; id++) queue(id);
    while (outbox.pendingCount() > 0) await sleep(1);
    const requestsBefore = mattermost.requests.length;
    mattermost.outage = "503";
    const down = clock.now();
    for (let id = before + 1; id <= BUILDS; id++) queue(id);
    for (let id = 1; id <= BUILDS; id++) {
      const running: Build = { ...(builds.get(id) as Build), status: "running", startedAt: clock.now() };
      builds.set(id, running);
      notifier.buildStarted(running);
      const failed = id % 5 === 0;
      const done: Build = {
        ...running,
        status: failed ? "failed" : "succeeded",
        failingStep: failed ? "make test" : null,
        finishedAt: clock.now(),
      };
      builds.set(id, done);
      notifier.buildFinished(done);
    }
    while (clock.now() - down < OUTAGE_MS) await sleep(1);
    const tries = mattermost.requests.length - requestsBefore;
    const pendingBefore = outbox.pendingCount();
    mattermost.outage = "none";
    const back = clock.now();
    while (outbox.pendingCount() > 0) await sleep(1);
    await deliverer.stop();

    // What the channel got after recovery: [message, created at, is a thread reply].
    const created: { message: string; at: number; reply: boolean }[] = rest
      ? rest.events
          .filter((e) => e.op === "create" && e.at >= back)
          .map((e) => ({ message: e.message, at: e.at, reply: e.rootId !== "" }))
      : mattermost.posts
          .filter((p) => p.at >= back)
          .map((p) => ({ message: p.message, at: p.at, reply: false }));
    const digests = created.filter((p) => DIGEST.test(p.message));
    const replies = created.filter((p) => p.reply);
    // Each build announced once: a digest line, a thread reply, or (webhook) its own finish post.
    const announcements = created.filter((p) => DIGEST.test(p.message) || p.reply || !rest);
    const ids = announcements.flatMap((p) =>
      DIGEST.test(p.message)
        ? [...p.message.matchAll(/^- .*?\[#(\d+)\]\(/gm)].map((m) => Number(m[1]))
        : [Number(/\[#(\d+)\]\(/.exec(p.message)?.[1])],
    );
    const after = mattermost.requests.filter((r) => r.at >= back).map((r) => r.at);
    const news = digests.length > 0 ? digests : announcements;
    return {
      pendingBefore,
      tries,
      postsAfter: created.length,
      digests: digests.length,
      replies: replies.length,
      newsSeconds: (Math.max(...news.map((p) => p.at)) - back) / 1000,
      drainSeconds: (Math.max(...after) - back) / 1000,
      busiestSecond: busiestSecond(after),
      missing: BUILDS - new Set(ids).size,
      twice: ids.length - new Set(ids).size,
    };
  } finally {
    db.close();
    await mattermost.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

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
