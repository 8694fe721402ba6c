import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import { type App, createApp } from "../../../src/app.js";
import { defineChatPlatforms } from "../../../src/chat/chat-platform.js";
import { CHAT_PLATFORMS } from "../../../src/chat/chat-platforms.js";
import { parseConfig } from "../../../src/config/load-config.js";
import type { Build } from "../../../src/core/build.js";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { TINYCHAT_COMMAND_PATH, tinychatPlatform } from "../../fakes/tinychat/tinychat-platform.js";
import { FakeTinychat, tinychatCommandHeaders } from "../../fakes/tinychat/tinychat-wire.js";
import { buildFinished } from "../../helpers/build-finished.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../helpers/git-repo.js";

/**
 * The recipe "Add a chat platform" (docs/architecture.md), proved: Tinychat, a third platform that
 * lives in the test tree (test/fakes/tinychat/tinychat-platform.ts), is added to the one platform
 * list and nothing else. Its signed command builds, as its user, under slashbuild's own access rule
 * (`access:`), a refusal reads as an apology, and the build's news reaches Tinychat, not the console.
 */

const TOKEN = "tinychat-bot-token-0123456789";
const SIGNING = "tinychat-signing-secret-0123456789";
const SLASH_TOKEN = "slash-token-0123456789";
const WAIT = { timeout: 60_000, interval: 50 };

interface Env {
  readonly app: App;
  readonly url: string;
  readonly tinychat: FakeTinychat;
  printed(): string;
  close(): Promise<void>;
}

let env: Env | null = null;
afterEach(async () => {
  await env?.close();
  env = null;
});

async function start(withTinychat: boolean): Promise<Env> {
  const tinychat = await FakeTinychat.start(TOKEN);
  const repo = await GitRepoFixture.create();
  const dir = await makeTempDir("slashbuild-tinychat-");
  const config = parseConfig(
    stringify({
      public_url: "http://ci.example.com:8080",
      data_dir: dir,
      log_level: "silent",
      // No webhook and no bot: Mattermost receives commands and announces nothing.
      mattermost: { token: SLASH_TOKEN },
      access: { channels: ["ci"] },
      repos: { app: { url: repo.dir, branch: "main", commands: ["true"] } },
    }),
    { baseDir: dir, env: {} },
  );
  let printed = "";
  const out = new Writable({
    write(chunk, _encoding, done) {
      printed += chunk.toString();
      done();
    },
  });
  const tinychatEntry = tinychatPlatform({ url: tinychat.url, token: TOKEN, signingSecret: SIGNING });
  const app = await createApp(config, {
    out,
    ...(withTinychat
      ? { chatPlatforms: defineChatPlatforms({ ...CHAT_PLATFORMS, tinychat: tinychatEntry }) }
      : {}),
  });
  await app.start();
  const url = await app.server.listen({ host: "127.0.0.1", port: 0 });
  return {
    app,
    url,
    tinychat,
    printed: () => printed,
    async close() {
      await app.close();
      await tinychat.close();
      await repo.remove();
      await removeDir(dir);
    },
  };
}

async function command(
  e: Env,
  text: string,
  room: string,
  secret: string | null = SIGNING,
): Promise<{ status: number; reply: string | undefined }> {
  const body = JSON.stringify({
    text,
    user: { id: "tc-alice", name: "alice" },
    room: { id: `tc-${room}`, name: room },
  });
  const response = await fetch(`${e.url}${TINYCHAT_COMMAND_PATH}`, {
    method: "POST",
    headers: tinychatCommandHeaders(body, secret),
    body,
  });
  return { status: response.status, reply: ((await response.json()) as { reply?: string }).reply };
}

function finished(e: Env, id: number): Promise<Build> {
  return buildFinished(e.app, id, WAIT);
}

describe("a third chat platform, added through the platform list", () => {
  it("is not served while it is not in the list: nobody answers at its path, and the console announces", async () => {
    env = await start(false);
    expect((await command(env, "app", "ci")).status).toBe(404);
    const answer = await sendSlashCommand({
      url: `${env.url}/mattermost/command`,
      token: SLASH_TOKEN,
      text: "app",
      channel: { id: "mm-ci", name: "ci" },
    });
    expect(answer.ok && String(answer.response.text)).toMatch(/^Queued build \[#1\]/);
    await finished(env, 1);
    const e = env;
    await vi.waitFor(() => expect(e.printed()).toMatch(/\[chat\] Build \[#1\].*succeeded/), WAIT);
    expect(env.tinychat.messages).toEqual([]);
  });

  it("in the list: its signed command builds under access:, a refusal is an apology, and the news goes to Tinychat", async () => {
    env = await start(true);
    expect(await command(env, "app", "ci", "guessed-secret-0123456789")).toMatchObject({ status: 401 });
    // slashbuild's own rule, whatever the platform: builds only in ~ci.
    const refused = await command(env, "app", "random");
    expect(refused).toEqual({
      status: 200,
      reply: "Sorry, app can be built only in ~ci. Run the command there.",
    });
    expect(env.app.service.findBuild(1)).toBeUndefined();

    const queued = await command(env, "app", "ci");
    expect(queued.reply).toMatch(/^Queued build \[#1\]/);
    expect(queued.reply).toContain("Status posts follow in this channel.");
    const build = await finished(env, 1);
    expect(build).toMatchObject({
      status: "succeeded",
      requester: "alice",
      requesterId: "tc-alice",
      channelName: "ci",
    });
    const e = env;
    await vi.waitFor(
      () =>
        expect(e.tinychat.messages.map((m) => m.text.split("\n")[0])).toEqual([
          expect.stringMatching(/^Build #1 of app main \([0-9a-f]{10}\) started\.$/),
          expect.stringMatching(/^Build #1 of app main \([0-9a-f]{10}\) succeeded\.$/),
        ]),
      WAIT,
    );
    // A platform announces: the console does not stand in.
    expect(env.printed()).toBe("");
  });
});
