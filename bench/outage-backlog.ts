import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { webhookFormatter } from "../src/chat/mattermost/status-formatters.js";
import { webhookDigest } from "../src/chat/mattermost/webhook-digest.js";
import { createWebhookTransport } from "../src/chat/mattermost/webhook-transport.js";
import type { Build } from "../src/core/build.js";
import { repoNotifyFilter } from "../src/notify/notify-policy.js";
import { OutboxDeliverer } from "../src/notify/outbox-deliverer.js";
import { OutboxStatusNotifier } from "../src/notify/status-notifier.js";
import { TokenBucket } from "../src/notify/token-bucket.js";
import { openDatabase } from "../src/store/open-database.js";
import { SqliteOutbox } from "../src/store/sqlite-outbox.js";
import { FakeMattermost } from "../test/fakes/fake-mattermost.js";
import { makeBuild } from "../test/fakes/make-build.js";
import { VirtualClock } from "../test/fakes/virtual-clock.js";
import { makeConfig } from "../test/helpers/make-config.js";
import { type Benchmark, fmt } from "./benchmark.js";

/**
 * A 60 s Mattermost outage while 200 builds start and finish (webhook mode, default delivery
 * settings: 5 posts/s, burst 20, probe every 5 s, digest after 20). The fake Mattermost, the
 * outbox on disk and the deliverer share a virtual clock, so the figures are the schedule the
 * deliverer keeps (what a person in the channel would see), not this machine's speed.
 */

const BUILDS = 200;
const OUTAGE_MS = 60_000;

export const outageBacklog: Benchmark = {
  name: "Outage backlog: 200 builds during a 60 s Mattermost outage (webhook mode, virtual clock)",
  unavailable: () => null,
  async run() {
    const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-bench-outage-"));
    const clock = new VirtualClock();
    const mattermost = await FakeMattermost.start({ clock: clock.now });
    const db = openDatabase(path.join(dir, "slashbuild.db"));
    try {
      const hookUrl = mattermost.addIncomingWebhook("ci");
      const config = makeConfig({ mattermost: { token: "t", webhook_url: hookUrl } }, dir);
      const outbox = new SqliteOutbox(db, clock.now);
      const builds = new Map<number, Build>();
      const deliverer = new OutboxDeliverer({
        outbox,
        transport: createWebhookTransport({ webhookUrl: hookUrl, timeoutMs: 10_000, clock: clock.now }),
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
        digest: webhookDigest(config, (id) => builds.get(id)),
      });
      const notifier = new OutboxStatusNotifier(outbox, config, {
        formatter: webhookFormatter(config),
        filter: repoNotifyFilter(config),
      });
      mattermost.outage = "503";
      const down = clock.now();
      deliverer.start();
      for (let id = 1; id <= BUILDS; id++) {
        const build = makeBuild({ id, requester: `user${id % 7}`, status: "running", finishedAt: null });
        notifier.buildStarted(build);
        const failed = id % 5 === 0;
        const done: Build = {
          ...build,
          status: failed ? "failed" : "succeeded",
          failingStep: failed ? "make test" : null,
          finishedAt: clock.now(),
        };
        builds.set(id, done);
        notifier.buildFinished(done);
      }
      while (clock.now() - down < OUTAGE_MS) await sleep(1);
      const tries = mattermost.requests.length;
      mattermost.outage = "none";
      const back = clock.now();
      while (outbox.pendingCount() > 0) await sleep(1);
      await deliverer.stop();

      const posts = mattermost.posts;
      const ids = posts.flatMap((post) =>
        [...post.message.matchAll(/\[#(\d+)\]\(/g)].map((m) => Number(m[1])),
      );
      const last = Math.max(...posts.map((post) => post.at));
      const recoverySeconds = (last - back) / 1000;
      const perSecond = busiestSecond(mattermost.requests.filter((r) => r.at >= back).map((r) => r.at));
      const missing = BUILDS - new Set(ids).size;
      const twice = ids.length - new Set(ids).size;
      return {
        table: [
          ["measure", "value"],
          ["posts pending before (start + finish per build, as before)", String(2 * BUILDS)],
          ["tries during the 60 s outage", String(tries)],
          ["posts sent after recovery", String(posts.length)],
          ["recovery → last final state in the channel (virtual s)", fmt(recoverySeconds)],
          ["most requests in one second after recovery", String(perSecond)],
          ["builds missing / posted twice", `${missing} / ${twice}`],
        ],
        verdicts: [
          `every final state within ${fmt(recoverySeconds)} s of recovery (target ≤ 15 s): ${recoverySeconds <= 15 ? "met" : "NOT met"}`,
          `at most ${perSecond} requests in a second (configured: ${config.delivery.ratePerSecond}/s, burst ${config.delivery.burst}): ${perSecond <= config.delivery.ratePerSecond + config.delivery.burst ? "met" : "NOT met"}`,
          `none missing, none twice: ${missing === 0 && twice === 0 ? "met" : "NOT met"}`,
        ],
        notes: [
          "virtual clock: the deliverer's schedule, independent of this machine's load",
          `recovery is seen at the next probe: add up to delivery.probe_interval (${config.delivery.probeIntervalMs / 1000} s) to the figure above for an outage that ends just after a probe`,
        ],
      };
    } finally {
      db.close();
      await mattermost.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

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
