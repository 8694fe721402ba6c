import { Writable } from "node:stream";
import type { MessageAttachment } from "@mattermost/types/message_attachments";
import { describe, expect, it } from "vitest";
import { CHAT_PLATFORMS } from "../../../src/chat/chat-platforms.js";
import {
  type ChatPlatformHarness,
  chatPlatformContract,
  PUBLIC_URL,
} from "../../contracts/chat-platform-contract.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { FakeRestApi } from "../../fakes/fake-mattermost-rest.js";
import { makeBuild } from "../../fakes/make-build.js";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { tinychatHarness } from "../../fakes/tinychat/tinychat-harness.js";
import { makeConfig } from "../../helpers/make-config.js";

/**
 * Every chat platform through the one ChatPlatform contract (test/contracts/chat-platform-contract.ts):
 * Mattermost in both its modes against the fake Mattermost on loopback, the console against the
 * stream it prints to, and the platform a test adds (test/fakes/tinychat/).
 */

const TOKEN = "contract-slash-token-0123456789";
const BOT_TOKEN = "contract-bot-token-0123456789";
const REPOS = { app: { url: "/nonexistent/app.git", commands: ["make", "make test"] } };

/** A post as people see it: its text, then each attachment's title, text, fields and fallback. */
function seen(message: string, attachments: readonly MessageAttachment[]): string {
  const parts = attachments.flatMap((a) => [
    a.title ?? "",
    a.text ?? "",
    ...(a.fields ?? []).map((f) => `${f.title}: ${String(f.value)}`),
    a.fallback ?? "",
  ]);
  return [message, ...parts].filter(Boolean).join("\n");
}

/** Mattermost's slash command as Mattermost sends it, with the token right, missing or wrong. */
const askMattermost: NonNullable<ChatPlatformHarness["ask"]> = async (url, text, who, credential) => {
  const outcome = await sendSlashCommand({
    url: `${url}/mattermost/command`,
    token: credential === "wrong" ? "guessed-token-0123456789" : TOKEN,
    text,
    user: who.user,
    channel: who.channel,
    ...(credential === "missing" ? { fields: { token: undefined }, authorization: null } : {}),
  });
  return outcome.ok
    ? { status: 200, answer: String(outcome.response.text) }
    : { status: outcome.status ?? 0, answer: null };
};

async function mattermostWebhook(): Promise<ChatPlatformHarness> {
  const fake = await FakeMattermost.start();
  const hook = fake.addIncomingWebhook("ci");
  return {
    platform: CHAT_PLATFORMS.mattermost,
    config: makeConfig({
      public_url: PUBLIC_URL,
      mattermost: { token: TOKEN, webhook_url: hook },
      repos: REPOS,
    }),
    deps: { fetch, out: process.stdout },
    shown: async () => fake.posts.map((post) => seen(post.message, post.attachments)),
    ask: askMattermost,
    close: () => fake.close(),
  };
}

async function mattermostBot(): Promise<ChatPlatformHarness> {
  const fake = await FakeMattermost.start();
  const rest = new FakeRestApi(fake, { token: BOT_TOKEN, team: "acme" });
  // Bot mode posts where /build was typed: the builds' channel, with the bot a member.
  rest.addChannel("town-square", { id: makeBuild().channelId });
  return {
    platform: CHAT_PLATFORMS.mattermost,
    config: makeConfig({
      public_url: PUBLIC_URL,
      mattermost: { token: TOKEN, url: fake.url, bot_token: BOT_TOKEN },
      repos: REPOS,
    }),
    deps: { fetch, out: process.stdout },
    shown: async () =>
      [...rest.posts.values()].map((post) =>
        seen(post.message, (post.props.attachments ?? []) as MessageAttachment[]),
      ),
    ask: askMattermost,
    close: () => fake.close(),
  };
}

async function consoleHarness(): Promise<ChatPlatformHarness> {
  let printed = "";
  const out = new Writable({
    write(chunk, _encoding, done) {
      printed += chunk.toString();
      done();
    },
  });
  return {
    platform: CHAT_PLATFORMS.console,
    // No webhook and no bot: the console stands in.
    config: makeConfig({ public_url: PUBLIC_URL, mattermost: { token: TOKEN }, repos: REPOS }),
    deps: { fetch, out },
    // One block per post: its first line starts with "[chat".
    shown: async () => printed.split(/\n(?=\[chat)/).filter((block) => block !== ""),
    ask: null,
    close: async () => {},
  };
}

const harnesses: [string, () => Promise<ChatPlatformHarness>][] = [
  ["Mattermost (webhook mode)", mattermostWebhook],
  ["Mattermost (bot mode)", mattermostBot],
  ["the console", consoleHarness],
  ["Tinychat (added by a test)", tinychatHarness],
];

describe("the chat platform contract suite", () => {
  it("runs against every platform in the list (a platform added without a harness fails here)", async () => {
    const covered = new Set<unknown>();
    for (const [, start] of harnesses) {
      const h = await start();
      covered.add(h.platform);
      await h.close();
    }
    for (const platform of Object.values(CHAT_PLATFORMS))
      expect(covered.has(platform), platform.name).toBe(true);
  });
});

for (const [name, start] of harnesses) chatPlatformContract(name, start);
