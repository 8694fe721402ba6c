import { createBotTransport } from "../../../src/chat/mattermost/bot-transport.js";
import { createMattermostApi } from "../../../src/chat/mattermost/mattermost-api.js";
import { createWebhookTransport } from "../../../src/chat/mattermost/webhook-transport.js";
import type { RootPost, RootPostStore } from "../../../src/chat/root-post-store.js";
import { chatTransportContract, type TransportHarness } from "../../contracts/chat-transport-contract.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { FakeRestApi } from "../../fakes/fake-mattermost-rest.js";

/** Mattermost's two transports against the fake Mattermost on loopback, through the shared contract. */

/** Long enough that a loaded machine never turns a healthy answer into a timeout; the hang case waits it out. */
const TIMEOUT_MS = 3000;
const BOT_TOKEN = "contract-bot-token-0123456789";

/** Common peer control: a frozen clock makes the fake's limiter answer Retry-After: 1 after one request. */
async function peer() {
  const fake = await FakeMattermost.start({ clock: () => 0 });
  let stopped = false;
  return {
    fake,
    control: {
      async rateLimitNext() {
        fake.setRateLimit({ perSec: 1, maxBurst: 0 });
        // Spend the one token on a request of our own, as another client of the server would.
        await fetch(`${fake.url}/api/v4/system/ping`).then((r) => r.text());
        return { retryAfterSeconds: 1 };
      },
      outage(kind: "none" | "503" | "close" | "hang") {
        fake.outage = kind;
      },
      async stopPeer() {
        stopped = true;
        await fake.close();
      },
      async close() {
        if (!stopped) await fake.close();
      },
    },
  };
}

chatTransportContract("the webhook transport", async (): Promise<TransportHarness> => {
  const { fake, control } = await peer();
  const transport = createWebhookTransport({ webhookUrl: fake.addIncomingWebhook(), timeoutMs: TIMEOUT_MS });
  return {
    transport,
    payload: { text: "build #1 succeeded" },
    // Neither text nor attachments: Mattermost answers 400 (web.incoming_webhook.text.app_error).
    refusedPayload: { username: "slashbuild" },
    stored: () => fake.posts.length,
    ...control,
  };
});

chatTransportContract("the bot transport", async (): Promise<TransportHarness> => {
  const { fake, control } = await peer();
  const rest = new FakeRestApi(fake, { token: BOT_TOKEN, team: "acme", clock: () => 0 });
  const member = rest.addChannel("ci");
  const outsider = rest.addChannel("private", { botIsMember: false });
  const roots = new Map<number, RootPost>();
  const posts: RootPostStore = {
    get: (id) => roots.get(id),
    set: (post) => roots.set(post.buildId, post),
    delete: (id) => roots.delete(id),
  };
  const api = createMattermostApi({ url: fake.url, token: BOT_TOKEN, timeoutMs: TIMEOUT_MS });
  let build = 0;
  // Each send is a new build's root post, so "stored once" counts creations.
  const upsert = (channel: string) => ({
    op: "upsert_root",
    buildId: ++build,
    channel: { id: channel },
    message: "build running",
    props: {},
  });
  return {
    transport: createBotTransport({ api, posts, team: "acme" }),
    get payload() {
      return upsert(member);
    },
    // The bot is not in that channel: Mattermost answers 403.
    get refusedPayload() {
      return upsert(outsider);
    },
    stored: () => rest.roots().length,
    ...control,
  };
});
