import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeMattermost, MAX_PAYLOAD_BYTES, MAX_POST_RUNES } from "../../fakes/fake-mattermost.js";
import { encodeGoValues, slashForm } from "../../fakes/send-slash-command.js";
import { VirtualClock } from "../../fakes/virtual-clock.js";

/** The fake must behave as CONTRACT.md says, or tests against it prove nothing. */

let clock: VirtualClock;
let mattermost: FakeMattermost;
let hook: string;

beforeEach(async () => {
  clock = new VirtualClock();
  mattermost = await FakeMattermost.start({ clock: clock.now, channels: ["ci", "town-square"] });
  hook = mattermost.addIncomingWebhook("town-square");
});
afterEach(() => mattermost.close());

const postJson = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("fake Mattermost incoming webhooks (CONTRACT §4)", () => {
  it("stores a JSON post and answers 200 text/plain ok", async () => {
    const response = await postJson(hook, {
      text: "hello",
      channel: "#ci",
      attachments: [{ color: "good", text: "x" }],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(await response.text()).toBe("ok");
    expect(mattermost.posts).toMatchObject([
      { channel: "ci", message: "hello", attachments: [{ color: "good" }] },
    ]);
    expect(mattermost.posts[0]?.props).toMatchObject({
      from_webhook: "true",
      attachments: [{ color: "good" }],
    });
  });

  it("accepts the form variant with payload=", async () => {
    const fixture = JSON.parse(
      readFileSync(new URL("../../fixtures/mattermost/incoming-webhook-form.json", import.meta.url), "utf8"),
    ) as {
      payload: string;
    };
    const response = await fetch(hook, {
      method: "POST",
      body: new URLSearchParams({ payload: fixture.payload }),
    });
    expect(response.status).toBe(200);
    expect(mattermost.posts).toMatchObject([{ channel: "@alice", message: "Build #512 failed on main" }]);
  });

  it("splits text longer than 16383 runes into several posts, counting runes, attachments last", async () => {
    const text = "😀".repeat(MAX_POST_RUNES * 2 + 5);
    await postJson(hook, { text, attachments: [{ text: "a" }] });
    expect(mattermost.posts.map((post) => Array.from(post.message).length)).toEqual([
      MAX_POST_RUNES,
      MAX_POST_RUNES,
      5,
    ]);
    expect(mattermost.posts.map((post) => post.attachments.length)).toEqual([0, 0, 1]);
    expect(mattermost.posts.map((post) => post.message).join("")).toBe(text);
  });

  it("answers AppError JSON 400 for an unknown hook or an empty text, 404 for an unknown channel", async () => {
    const unknown = await postJson(`${mattermost.url}/hooks/doesnotexist1`, { text: "x" });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get("content-type")).toBe("application/json");
    const fixture = JSON.parse(
      readFileSync(
        new URL("../../fixtures/mattermost/incoming-webhook-error-400.json", import.meta.url),
        "utf8",
      ),
    );
    expect(Object.keys((await unknown.json()) as object).sort()).toEqual(Object.keys(fixture).sort());
    expect((await postJson(hook, { text: "" })).status).toBe(400);
    expect((await postJson(hook, { text: "x", channel: "nowhere" })).status).toBe(404);
    expect(mattermost.posts).toEqual([]);
  });

  it("refuses a body over the payload cap: 400 for JSON, 413 for a form", async () => {
    const big = "x".repeat(MAX_PAYLOAD_BYTES);
    expect((await postJson(hook, { text: big })).status).toBe(400);
    const form = await fetch(hook, {
      method: "POST",
      body: new URLSearchParams({ payload: JSON.stringify({ text: big }) }),
    });
    expect(form.status).toBe(413);
  });

  it("rate limits with 429, limit exceeded, Retry-After and X-RateLimit-* headers", async () => {
    mattermost.setRateLimit({ perSec: 1, maxBurst: 1 });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 3; i++) {
      const response = await postJson(hook, { text: `m${i}` });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(limited?.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await limited?.text()).toBe("limit exceeded\n");
    expect(limited?.headers.get("retry-after")).toBe("1");
    expect(limited?.headers.get("x-ratelimit-limit")).toBe("2");
    expect(limited?.headers.has("x-ratelimit-remaining")).toBe(true);
    clock.advance(1000);
    expect((await postJson(hook, { text: "later" })).status).toBe(200);
  });

  it("can be down: connections closed, or 503", async () => {
    mattermost.outage = "close";
    await expect(postJson(hook, { text: "x" })).rejects.toThrow();
    mattermost.outage = "503";
    expect((await postJson(hook, { text: "x" })).status).toBe(503);
    expect(mattermost.posts).toEqual([]);
  });
});

describe("fake Mattermost response_url (CONTRACT §3)", () => {
  it("posts ephemerally by default, in_channel on request, at most 5 times", async () => {
    const url = mattermost.createCommandWebhook("ci");
    expect((await postJson(url, { text: "quiet" })).status).toBe(200);
    expect((await postJson(url, { text: "loud", response_type: "in_channel" })).status).toBe(200);
    expect(mattermost.posts.map((post) => [post.message, post.ephemeral])).toEqual([
      ["quiet", true],
      ["loud", false],
    ]);
    for (let i = 0; i < 3; i++) await postJson(url, { text: "again" });
    expect((await postJson(url, { text: "sixth" })).status).toBe(400);
    expect((await postJson(`${mattermost.url}/hooks/commands/unknown1`, { text: "x" })).status).toBe(404);
  });

  it("expires after 30 minutes", async () => {
    const url = mattermost.createCommandWebhook("ci");
    clock.advance(30 * 60_000 + 1);
    expect((await postJson(url, { text: "late" })).status).toBe(404);
  });
});

describe("slash command encoding (CONTRACT §1)", () => {
  it("encodes the form like Go's url.Values.Encode", () => {
    const http = JSON.parse(
      readFileSync(
        new URL("../../fixtures/mattermost/slash-command-request.http.json", import.meta.url),
        "utf8",
      ),
    ) as {
      body: string;
    };
    const fixture = JSON.parse(
      readFileSync(
        new URL("../../fixtures/mattermost/slash-command-request.form.json", import.meta.url),
        "utf8",
      ),
    ) as Record<string, string>;
    expect(encodeGoValues(fixture)).toBe(http.body);
    const form = slashForm({
      url: "",
      token: "t",
      text: "x",
      userMentions: [
        { name: "bob", id: "b" },
        { name: "eve", id: "e" },
      ],
    });
    expect(encodeGoValues(form)).toContain(
      "user_mentions=bob&user_mentions=eve&user_mentions_ids=b&user_mentions_ids=e",
    );
  });
});
