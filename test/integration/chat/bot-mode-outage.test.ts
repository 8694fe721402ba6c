import { afterEach, describe, expect, it, vi } from "vitest";
import { type BotApp, startBotApp, TOWN_SQUARE } from "./bot-app.js";

/**
 * The whole service in bot mode (app.ts's wiring, the embedded runner, a real git repository)
 * while the fake Mattermost is down: with more finish replies waiting than
 * `delivery.digest_after`, the channel gets one digest post and each root post patched to its
 * final state, and no reply in any thread.
 */

let t: BotApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const wait = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 30_000, interval: 20 });

describe("bot mode after an outage", () => {
  it("patches each root post to its result and sends the finish replies as one digest", {
    timeout: 60_000,
  }, async () => {
    t = await startBotApp(
      { commands: ["true"], concurrency: 3 },
      { delivery: { initial_backoff: "50ms", max_backoff: "1s", digest_after: 2 } },
    );
    const app = t.app;
    const mattermost = t.mattermost;
    const rest = t.rest;
    mattermost.outage = "503";
    for (let n = 0; n < 3; n++) expect(await t.slash("app --again")).toMatch(/Queued build \[#\d\]/);
    await wait(() => {
      const builds = [1, 2, 3].map((id) => app.service.getBuild(id));
      expect(builds.map((b) => b?.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    });
    await wait(() => expect(mattermost.requests.some((r) => r.status === 503)).toBe(true));
    expect(rest.posts.size).toBe(0);
    mattermost.outage = "none";
    await wait(() => expect(app.outbox.pendingCount()).toBe(0));

    const roots = rest.roots(TOWN_SQUARE);
    const digests = roots.filter((p) => /^While Mattermost could not be reached/.test(p.message));
    expect(digests).toHaveLength(1);
    for (const id of [1, 2, 3]) {
      expect(digests[0]?.message).toMatch(
        new RegExp(`^- \\*\\*succeeded\\*\\* \\[#${id}\\]\\(.*requested by alice$`, "m"),
      );
      const own = roots.filter((p) => p.message.includes(`Build [#${id}](`));
      expect(own).toHaveLength(1);
      expect(own[0]?.message).toMatch(/\*\*succeeded\*\*/);
    }
    expect([...rest.posts.values()].filter((p) => p.rootId !== "")).toEqual([]);
  });
});
