import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDirectMessageTransport } from "../../../../src/chat/mattermost/direct-message-transport.js";
import { createMattermostApi } from "../../../../src/chat/mattermost/mattermost-api.js";
import type { Transport } from "../../../../src/notify/ports.js";
import { FakeMattermost } from "../../../fakes/fake-mattermost.js";
import { FakeRestApi } from "../../../fakes/fake-mattermost-rest.js";

/**
 * Bot mode's direct messages on the wire, against the fake Mattermost's REST API: the bot's id,
 * `POST /api/v4/channels/direct` with the two ids, then a post in that channel.
 */

const TOKEN = "bottoken9x8w7v6u5t4s3r2q1p";
const alice = { id: "sfogyr3xkxwnrek8pk3yr9oudo", name: "alice" };

let mattermost: FakeMattermost;
let rest: FakeRestApi;
let transport: Transport;

beforeEach(async () => {
  mattermost = await FakeMattermost.start();
  rest = new FakeRestApi(mattermost, { token: TOKEN });
  rest.addUser(alice);
  transport = createDirectMessageTransport(
    createMattermostApi({ url: mattermost.url, token: TOKEN, timeoutMs: 5000 }),
  );
});
afterEach(async () => {
  await mattermost.close();
});

const paths = () => mattermost.requests.map((r) => `${r.method} ${r.path}`);

describe("createDirectMessageTransport", () => {
  it("opens the bot's direct channel with the person once, and posts each message there", async () => {
    const first = await transport.send({ op: "direct", userId: alice.id, message: "Your build #1 failed." });
    expect(first).toEqual({ kind: "delivered" });
    const channel = rest.directChannelWith(alice.id);
    expect(channel).toBeDefined();
    expect(
      await transport.send({ op: "direct", userId: alice.id, message: "Your build #2 failed." }),
    ).toEqual({
      kind: "delivered",
    });
    const posts = [...rest.posts.values()];
    expect(posts.map((p) => [p.channelId, p.message])).toEqual([
      [channel, "Your build #1 failed."],
      [channel, "Your build #2 failed."],
    ]);
    expect(paths()).toEqual([
      "GET /api/v4/users/me",
      "POST /api/v4/channels/direct",
      "POST /api/v4/posts",
      "POST /api/v4/posts",
    ]);
    const opened = mattermost.requests.find((r) => r.path === "/api/v4/channels/direct");
    expect(JSON.parse(opened?.body ?? "null")).toEqual([rest.botUserId, alice.id]);
  });

  it("retries while Mattermost is down and delivers once it answers", async () => {
    mattermost.outage = "503";
    expect((await transport.send({ op: "direct", userId: alice.id, message: "m" })).kind).toBe("retryable");
    mattermost.outage = "none";
    expect(await transport.send({ op: "direct", userId: alice.id, message: "m" })).toEqual({
      kind: "delivered",
    });
    expect([...rest.posts.values()].map((p) => p.channelId)).toEqual([rest.directChannelWith(alice.id)]);
  });

  it("gives up on a user Mattermost does not know, and on anything that is not a direct message", async () => {
    const unknown = await transport.send({
      op: "direct",
      userId: "nobodynobodynobodynobodyno",
      message: "m",
    });
    expect(unknown.kind).toBe("permanent");
    expect(unknown).toMatchObject({ error: expect.stringContaining("invalid_user") });
    expect((await transport.send({ op: "direct", userId: "../users/me", message: "m" })).kind).toBe(
      "permanent",
    );
    expect((await transport.send({ channel_id: "x", message: "m" })).kind).toBe("permanent");
    expect(rest.posts.size).toBe(0);
  });
});
