import { type ChatPlatformHarness, PUBLIC_URL } from "../../contracts/chat-platform-contract.js";
import { makeConfig } from "../../helpers/make-config.js";
import { TINYCHAT_COMMAND_PATH, tinychatPlatform } from "./tinychat-platform.js";
import { FakeTinychat, tinychatCommandHeaders } from "./tinychat-wire.js";

const TOKEN = "tinychat-bot-token-0123456789";
const SIGNING = "tinychat-signing-secret-0123456789";

/** Tinychat against its fake on loopback, for the chat platform contract. */
export async function tinychatHarness(): Promise<ChatPlatformHarness> {
  const fake = await FakeTinychat.start(TOKEN);
  return {
    platform: tinychatPlatform({ url: fake.url, token: TOKEN, signingSecret: SIGNING }),
    config: makeConfig({
      public_url: PUBLIC_URL,
      mattermost: { token: "slash-token-unused" },
      repos: { app: { url: "/nonexistent/app.git", commands: ["make", "make test"] } },
    }),
    deps: { fetch, out: process.stdout },
    shown: async () => fake.messages.map((message) => message.text),
    async ask(url, text, who, credential) {
      const body = JSON.stringify({ text, user: who.user, room: who.channel });
      const secret =
        credential === "valid" ? SIGNING : credential === "wrong" ? "guessed-secret-0123456789" : null;
      const response = await fetch(`${url}${TINYCHAT_COMMAND_PATH}`, {
        method: "POST",
        headers: tinychatCommandHeaders(body, secret),
        body,
      });
      const answer = (await response.json()) as { reply?: string };
      return { status: response.status, answer: answer.reply ?? null };
    },
    close: () => fake.close(),
  };
}
