import { afterEach, describe, expect, it, vi } from "vitest";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { alice, type BotApp, bob, SLASH_TOKEN, startBotApp, TOWN_SQUARE } from "../chat/bot-app.js";

/**
 * Deploy approvals through the whole service in bot mode (issue 20): the request post with
 * Approve and Reject, the approvers called in its thread, and each forgery of an approval refused
 * end to end: the requester (also under another name), a clicker who is no approver, a click
 * replayed as someone else after the post moved on, a button moved to another post, and a typed
 * approval from a channel where the repo may not be built. test/unit/core/deploys/
 * approval-attacks.test.ts shows each succeeding with its defence taken away.
 */

const carol = { id: "carolcarolcarolcarolcarolc", name: "carol" };
const dave = { id: "davedavedavedavedavedavedd", name: "dave" };

let t: BotApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const wait = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 30_000, interval: 20 });

async function start(approvals: number): Promise<BotApp> {
  const app = await startBotApp({
    channels: ["town-square"],
    deploy: {
      commands: ['echo "deploying $SLASHBUILD_ENVIRONMENT $SLASHBUILD_REVISION"'],
      environments: { production: { branches: ["main"], approvals, approvers: ["bob", "carol", "dave"] } },
    },
  });
  for (const user of [alice, bob, carol, dave]) app.rest.addUser(user);
  await app.slash("app");
  await wait(() => expect(app.app.service.getBuild(1).status).toBe("succeeded"));
  return app;
}

/** The deploy's root post, once it shows `pattern`. */
function deployPost(app: BotApp, number: number, pattern: RegExp) {
  return wait(() => {
    const post = app.rest.roots().find((p) => p.message.includes(`[#${number}]`) && /Deploy/.test(p.message));
    expect(post?.message).toMatch(pattern);
    if (!post) throw new Error("no post");
    return post;
  });
}

describe("deploy approvals in bot mode", () => {
  it("asks the approvers in the request's thread, refuses the requester (under any name) and a non-approver, then deploys on an approver's click", async () => {
    t = await start(1);
    const answer = await t.slash("deploy app production");
    expect(answer).toMatch(/Deploy \[#2\].*waits for 1 approval by someone other than you/);
    const post = await deployPost(t, 2, /waiting for approval \(0 of 1\)/);
    expect(t.rest.actions(post.id).map((a) => a.name)).toEqual(["Approve", "Reject"]);
    await wait(() =>
      expect(
        t?.rest
          .replies(post.id)
          .map((r) => r.message)
          .join("\n"),
      ).toMatch(/@bob @carol @dave \(or an admin\): @alice asks for an approval/),
    );
    const attachment = JSON.stringify(post.props);
    expect(attachment).toContain("Commits since the current deploy");
    expect(attachment).toContain("the first deploy to this environment");

    expect((await t.rest.click(post.id, "approve", alice)).ephemeralText).toMatch(/you asked for deploy #2/);
    t.rest.renameUser(alice.id, "bob");
    expect((await t.rest.click(post.id, "approve", { id: alice.id, name: "bob" })).ephemeralText).toMatch(
      /you asked for deploy #2/,
    );
    const outsider = { id: "eveeveeveeveeveeveeveeveev", name: "eve" };
    expect((await t.rest.click(post.id, "approve", outsider)).ephemeralText).toMatch(
      /only @bob, @carol, @dave \(or an admin\) may decide/,
    );
    expect(t.app.deploys.get(2)?.decisions).toEqual([]);

    expect((await t.rest.click(post.id, "approve", bob)).ephemeralText).toMatch(
      /You approved deploy \[#2\].*: it deploys now/,
    );
    await deployPost(t, 2, /succeeded/);
    expect(t.app.deploys.get(2)).toMatchObject({
      state: "succeeded",
      decisions: [{ userName: "bob", via: "button" }],
    });
    const thread = () => (t?.rest.replies(post.id) ?? []).map((r) => r.message).join("\n");
    await wait(() =>
      expect(thread()).toMatch(/@alice Deploy \[#2\].*\*\*succeeded\*\*.* production now runs it\./),
    );
    expect(thread()).toMatch(/bob approved .*\(1 of 1\)\. It deploys now\./);
  });

  it("a click replayed as someone else after the post moved on, and a button moved to another post, are refused", async () => {
    t = await start(2);
    await t.slash("deploy app production");
    const post = await deployPost(t, 2, /waiting for approval \(0 of 2\)/);
    const captured = t.rest.actions(post.id).find((a) => a.id === "approve")?.integration?.context;
    expect((await t.rest.click(post.id, "approve", bob)).ephemeralText).toMatch(/still needs 1 approval/);
    await deployPost(t, 2, /waiting for approval \(1 of 2\)/);
    // Bob's click, captured before his decision, replayed with carol's id.
    const replay = await t.rest.click(post.id, "approve", carol, { context: captured });
    expect(replay.ephemeralText).toMatch(/drawn before the last decision on deploy #2/);
    expect(t.app.deploys.get(2)?.decisions.map((d) => d.userName)).toEqual(["bob"]);

    // A build's post is not the deploy's: the deploy's button clicked there is refused.
    const buildPost = t.rest.roots().find((p) => p.message.includes("[#1]"));
    if (!buildPost) throw new Error("no build post");
    const current = t.rest.actions(post.id).find((a) => a.id === "approve")?.integration?.context;
    const moved = await fetch(`${t.url}/mattermost/deploy-action`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        user_id: carol.id,
        user_name: "carol",
        channel_id: TOWN_SQUARE,
        channel_name: "town-square",
        post_id: buildPost.id,
        context: current,
      }),
    });
    expect(moved.status).toBe(403);
    expect(await moved.json()).toMatchObject({ error: "ACTION_WRONG_POST" });

    expect((await t.rest.click(post.id, "approve", carol)).ephemeralText).toMatch(/it deploys now/);
    await deployPost(t, 2, /succeeded/);
  });

  it("a typed approval from a channel where the repo may not be built is refused", async () => {
    t = await start(1);
    await t.slash("deploy app production");
    const random = t.rest.addChannel("random");
    const outcome = await sendSlashCommand({
      url: `${t.url}/mattermost/command`,
      token: SLASH_TOKEN,
      text: "approve 2",
      user: bob,
      channel: { id: random, name: "random" },
    });
    if (!outcome.ok) throw new Error(outcome.error);
    expect(String(outcome.response.text)).toMatch(/decided only where app can be built/);
    expect(t.app.deploys.get(2)?.state).toBe("awaiting_approval");
    expect(await t.slash("approve 2", bob)).toMatch(/You approved deploy/);
  });
});
