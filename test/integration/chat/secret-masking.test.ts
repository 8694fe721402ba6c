import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BOT_TOKEN, type BotApp, SLASH_TOKEN, startBotApp } from "./bot-app.js";

/**
 * Issue 8, item 4: every secret slashbuild knows is masked wherever it could appear. The attack
 * printed the bot token from inside a build; it showed in the step log and in the failure excerpt
 * posted to the thread. Here a build prints every service secret and a repo secret, and fails.
 */

const SESSION_SECRET = "session-secret-0123456789abcdefghijklmnop";
const BUILDBOT_PASSWORD = "buildbot-password-s3cr3t";
const STATUS_SECRET = "buildbot-status-secret-s3cr3t";
const WORKER_PASSWORD = "worker-password-s3cr3t";
const DEPLOY_KEY = "deploy-key-s3cr3t";
const ALL = [
  SLASH_TOKEN,
  BOT_TOKEN,
  SESSION_SECRET,
  BUILDBOT_PASSWORD,
  STATUS_SECRET,
  WORKER_PASSWORD,
  DEPLOY_KEY,
];

let t: BotApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const wait = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 20_000, interval: 20 });

describe("secret masking", () => {
  it("masks every known secret in the step log, the chat posts, the failure excerpt and the pages", async () => {
    t = await startBotApp(
      {
        secrets: { DEPLOY_KEY },
        // What a build that read slashbuild's environment would print (issue 8's attack).
        env: { STOLEN: ALL.join(" ") },
        commands: ['echo "stolen: $STOLEN"; exit 1'],
      },
      {
        web: { session_secret: SESSION_SECRET, read: "public" },
        buildbot: {
          url: "http://127.0.0.1:1",
          username: "slashbuild",
          password: BUILDBOT_PASSWORD,
          status_secret: STATUS_SECRET,
          workers: [{ name: "w1", password: WORKER_PASSWORD }],
        },
      },
    );
    await t.slash("app");
    const rest = t.rest;
    const root = await wait(() => {
      const [post] = rest.roots();
      expect(post?.message).toMatch(/\*\*failed\*\*/);
      return post;
    });
    const reply = await wait(() => {
      const [r] = rest.replies(root?.id ?? "");
      expect(r?.message).toContain("Output of step 1");
      return r;
    });
    expect(reply?.message).toContain("stolen: ****");
    const log = readFileSync(t.app.local.logs.pathFor(1, 0), "utf8");
    expect(log).toContain("stolen: ****");
    const page = await (await fetch(`${t.url}/builds/1`)).text();
    const lines = await (await fetch(`${t.url}/builds/1/steps/1/lines`)).text();
    const raw = await (await fetch(`${t.url}/builds/1/steps/1/raw`)).text();
    const posts = JSON.stringify([...rest.posts.values()]);
    for (const secret of ALL) {
      for (const [where, text] of Object.entries({ log, posts, page, lines, raw })) {
        expect(text, `${where} shows ${secret}`).not.toContain(secret);
      }
    }
  });
});
