import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import { createApp } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { sendWebhook } from "../../fakes/fake-forge.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { freePort } from "../../helpers/service-process.js";
import { FULL_NAME, githubPush, SECRET } from "../forges/forge-app.js";
import { alice, type BotApp, bob, SLASH_TOKEN, startBotApp, TOWN_SQUARE } from "./bot-app.js";

/**
 * `/build notify me …` through the whole service (app.ts's wiring, the embedded runner, a real git
 * repository) against the fake Mattermost: bot mode sends "Your build #N failed" into the bot's
 * direct channel with the person (POST /api/v4/channels/direct, then a post), through the durable
 * outbox; webhook mode says that direct messages need bot mode.
 */

let env: BotApp | null = null;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await env?.close();
  env = null;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const WAIT = { timeout: 30_000, interval: 50 };
const TOKEN_VALUE = "s3cr3t-token-value-in-output";

function directMessages(t: BotApp, userId: string): string[] {
  const channel = t.rest.directChannelWith(userId);
  return channel
    ? [...t.rest.posts.values()].filter((p) => p.channelId === channel).map((p) => p.message)
    : [];
}

describe("direct messages in bot mode", () => {
  it("tell who asked that their build failed, masked, while others hear nothing; off stops them", {
    timeout: 60_000,
  }, async () => {
    env = await startBotApp({
      commands: [`echo "token is ${TOKEN_VALUE}"; exit 3`],
      secrets: { TOKEN: TOKEN_VALUE },
    });
    const t = env;
    t.rest.addUser(alice);
    t.rest.addUser(bob);
    expect(await t.slash("notify me failures")).toMatch(/^Done: I will send you a direct message/);

    expect(await t.slash("app")).toMatch(/Queued build \[#1\]/);
    expect(await t.slash("app --again", bob)).toMatch(/Queued build \[#2\]/);
    await vi.waitFor(() => {
      expect(t.app.service.getBuild(2)?.status).toBe("failed");
      expect(directMessages(t, alice.id)).toHaveLength(1);
    }, WAIT);
    const [message] = directMessages(t, alice.id);
    expect(message).toMatch(
      /^Your build \[#1\]\(http:\/\/127\.0\.0\.1:\d+\/builds\/1\) of \*\*app\*\*.* \*\*failed\*\*/,
    );
    expect(message).toContain("token is");
    expect(message).not.toContain(TOKEN_VALUE);
    // bob asked for nothing: the bot never opened a channel with him, and #2 is nobody's DM.
    expect(t.rest.directChannelWith(bob.id)).toBeUndefined();
    expect(message).not.toContain("#2");

    expect(await t.slash("notify me off")).toMatch(/^Done: no more direct messages/);
    expect(await t.slash("app --again")).toMatch(/Queued build \[#3\]/);
    await vi.waitFor(() => {
      expect(t.app.service.getBuild(3)?.status).toBe("failed");
      expect(t.app.outbox.pendingCount()).toBe(0);
    }, WAIT);
    // Give a stray DM every chance to be delivered before saying none came.
    await vi.waitFor(
      () => expect(t.rest.roots(TOWN_SQUARE).some((p) => p.message.includes("[#3]"))).toBe(true),
      WAIT,
    );
    expect(directMessages(t, alice.id)).toHaveLength(1);
  });

  it("waits while Mattermost is down and sends the message once it is back, never lost", {
    timeout: 60_000,
  }, async () => {
    env = await startBotApp({ commands: ["false"] });
    const t = env;
    t.rest.addUser(alice);
    expect(await t.slash("notify me all")).toMatch(/^Done/);
    t.mattermost.outage = "503";
    // The slash command is answered by slashbuild itself: the outage is only of Mattermost's API.
    expect(await t.slash("app")).toMatch(/Queued build \[#1\]/);
    await vi.waitFor(() => expect(t.app.service.getBuild(1)?.status).toBe("failed"), WAIT);
    await vi.waitFor(
      // The bot's id (asked once) comes first, then the direct channel: either is refused.
      () =>
        expect(
          t.mattermost.requests.some(
            (r) => /^\/api\/v4\/(users\/me|channels\/direct)$/.test(r.path) && r.status === 503,
          ),
        ).toBe(true),
      WAIT,
    );
    expect(directMessages(t, alice.id)).toEqual([]);
    t.mattermost.outage = "none";
    await vi.waitFor(() => expect(directMessages(t, alice.id)).toHaveLength(1), WAIT);
    expect(directMessages(t, alice.id)[0]).toMatch(/^Your build \[#1\].*\*\*failed\*\*/);
  });

  it("follow the person's own choice, not the repo's notify filter", { timeout: 60_000 }, async () => {
    env = await startBotApp({ commands: ["true"], notify: "failures" });
    const t = env;
    t.rest.addUser(alice);
    expect(await t.slash("notify me all")).toMatch(/^Done/);
    expect(await t.slash("app")).toMatch(/Queued build \[#1\]/);
    await vi.waitFor(() => expect(directMessages(t, alice.id)).toHaveLength(1), WAIT);
    expect(directMessages(t, alice.id)[0]).toMatch(/^Your build \[#1\].*\*\*succeeded\*\*/);
    // The channel, under `notify: failures`, heard nothing of this success.
    expect(t.rest.roots(TOWN_SQUARE).filter((p) => p.message.includes("[#1]"))).toEqual([]);
  });

  it("tell the author of a pushed commit, mapped through mattermost_users, who asked", {
    timeout: 60_000,
  }, async () => {
    env = await startBotApp(
      { full_name: FULL_NAME, notify_channel: "town-square", commands: ["false"], on: { push: ["main"] } },
      { forges: { github: { webhook_secret: SECRET, mattermost_users: { "bob@example.com": "bob" } } } },
    );
    const t = env;
    t.rest.addUser(bob);
    expect(await t.slash("notify me failures", bob)).toMatch(/^Done/);
    const sha = await t.repo.commit({ message: "Break it" });
    const push = await sendWebhook(
      `${t.url}/hooks/github`,
      "github",
      "push",
      githubPush("main", sha, { authorEmail: "bob@example.com" }),
      SECRET,
    );
    const id = (push.body.builds as number[])[0] as number;
    await vi.waitFor(() => expect(directMessages(t, bob.id)).toHaveLength(1), WAIT);
    expect(directMessages(t, bob.id)[0]).toMatch(
      new RegExp(`^Build \\[#${id}\\].*, of commits you pushed, \\*\\*failed\\*\\*`),
    );
  });
});

describe("direct messages in webhook mode", () => {
  it("are refused with what to do: they need bot mode", { timeout: 30_000 }, async () => {
    const mattermost = await FakeMattermost.start();
    const repo = await GitRepoFixture.create();
    const dir = await makeTempDir("slashbuild-dm-webhook-");
    const port = await freePort();
    const config = parseConfig(
      stringify({
        listen: `127.0.0.1:${port}`,
        public_url: `http://127.0.0.1:${port}`,
        data_dir: dir,
        log_level: "silent",
        mattermost: { token: SLASH_TOKEN, webhook_url: mattermost.addIncomingWebhook("ci") },
        repos: { app: { url: repo.dir, branch: "main", commands: ["true"] } },
      }),
      { baseDir: dir, env: {} },
    );
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    const app = await createApp(config, { logger: pino({ level: "silent" }), out: quiet });
    await app.start();
    await app.server.listen({ host: "127.0.0.1", port });
    cleanups.push(async () => {
      await app.close();
      await mattermost.close();
      await removeDir(dir);
      await removeDir(repo.dir);
    });
    const outcome = await sendSlashCommand({
      url: `http://127.0.0.1:${port}/mattermost/command`,
      token: SLASH_TOKEN,
      text: "notify me failures",
      user: alice,
      channel: { id: "1vrjnvgfygwwqc38hyf9sxmeco", name: "town-square" },
    });
    if (!outcome.ok) throw new Error(outcome.error);
    expect(outcome.response.response_type).toBe("ephemeral");
    expect(String(outcome.response.text)).toMatch(/^Sorry, direct messages need slashbuild's bot mode/);
    expect(String(outcome.response.text)).toMatch(/mattermost\.bot_token/);
  });
});
