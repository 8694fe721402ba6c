import { afterEach, describe, expect, it, vi } from "vitest";
import { alice, type BotApp, bob, startBotApp, TOWN_SQUARE } from "./bot-app.js";

/**
 * Issue 8 item 5 through the whole service in bot mode: a captured Rebuild context replayed
 * straight at the action URL with `user_name=root` (an admin) and bob's id, and a context clicked
 * on another build's post. The defences are switched off in test/unit/chat/mattermost/
 * action-route.test.ts, where the same replay is shown to succeed.
 */

let t: BotApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const wait = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 20_000, interval: 20 });

async function finishedRoot(app: BotApp, index: number) {
  return wait(() => {
    const post = app.rest.roots()[index];
    expect(post?.message).toMatch(/succeeded/);
    expect(app.rest.actions(post?.id ?? "").map((a) => a.name)).toEqual(["Rebuild", "Full log"]);
    if (!post) throw new Error("no post");
    return post;
  });
}

describe("button contexts in bot mode", () => {
  it("a replay as user_name=root with bob's id is judged as bob, the name Mattermost gives", async () => {
    t = await startBotApp({ protected_branches: { main: ["alice"] } });
    t.rest.addUser(bob);
    await t.slash("app");
    const root = await finishedRoot(t, 0);
    const context = t.rest.actions(root.id).find((a) => a.id === "rebuild")?.integration?.context;

    const replay = await fetch(`${t.url}/mattermost/action`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        user_id: bob.id,
        user_name: "root",
        channel_id: TOWN_SQUARE,
        channel_name: "town-square",
        post_id: root.id,
        context,
      }),
    });
    expect(replay.status).toBe(200);
    const answer = (await replay.json()) as { ephemeral_text: string };
    expect(answer.ephemeral_text).toMatch(/branch main of app is protected/);
    expect(t.mattermost.requests.some((r) => r.path === `/api/v4/users/${bob.id}`)).toBe(true);
    expect(() => t?.app.service.getBuild(2)).toThrow();

    // An id Mattermost does not know is refused before any permission is looked at.
    const ghost = await fetch(`${t.url}/mattermost/action`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        user_id: "ghostghostghostghostghostg",
        user_name: "root",
        channel_id: TOWN_SQUARE,
        channel_name: "town-square",
        post_id: root.id,
        context,
      }),
    });
    expect(ghost.status).toBe(403);
    expect(await ghost.json()).toMatchObject({ error: "ACTION_USER_UNKNOWN" });
    expect(() => t?.app.service.getBuild(2)).toThrow();
  });

  it("build 1's Rebuild context clicked on build 2's post is refused; on its own post it works", async () => {
    t = await startBotApp({ protected_branches: { main: ["alice"] } });
    await t.slash("app");
    const first = await finishedRoot(t, 0);
    await t.slash("app --again");
    const second = await finishedRoot(t, 1);
    const context = t.rest.actions(first.id).find((a) => a.id === "rebuild")?.integration?.context;

    const moved = await t.rest.click(second.id, "rebuild", alice, { context });
    expect(moved).toMatchObject({ status: 400, integrationStatus: 403 });
    expect(() => t?.app.service.getBuild(3)).toThrow();

    const own = await t.rest.click(first.id, "rebuild", alice);
    expect(own.ephemeralText).toMatch(/Queued build \[#3\].*rebuild of #1/);
    await wait(() => expect(t?.app.service.getBuild(3).status).toBe("succeeded"));
  });
});
