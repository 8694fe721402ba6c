import { describe, expect, it } from "vitest";
import { botDigest } from "../../../../src/chat/mattermost/bot-digest.js";
import type { BotPayload } from "../../../../src/chat/mattermost/bot-payload.js";
import { BOT_REPLY, BOT_UPDATE } from "../../../../src/chat/mattermost/status-formatters.js";
import type { Build } from "../../../../src/core/build.js";
import type { OutboxMessage } from "../../../../src/notify/ports.js";
import { makeBuild } from "../../../fakes/make-build.js";
import { makeConfig } from "../../../helpers/make-config.js";

const config = makeConfig({
  repos: {
    app: { url: "/nonexistent/app.git", branch: "main", commands: ["true"], secrets: { KEY: "s3cret" } },
  },
});

function message(id: number, buildId: number, payload: BotPayload, attempts = 0): OutboxMessage {
  return {
    id,
    buildId,
    kind: payload.op === "reply" ? BOT_REPLY : BOT_UPDATE,
    payload,
    attempts,
    nextAttemptAt: 0,
    lastError: null,
    createdAt: Date.UTC(2026, 0, 1, 10, id),
  };
}

const reply = (buildId: number, channel: BotPayload["channel"]): BotPayload => ({
  op: "reply",
  buildId,
  channel,
  message: `@alice build [#${buildId}] ...`,
});

describe("botDigest", () => {
  it("groups finish replies by the channel they name; root post updates never go in a digest", () => {
    const policy = botDigest(config, () => undefined);
    expect(policy.after).toBe(config.delivery.digestAfter);
    expect(policy.ahead).toBe(BOT_REPLY);
    expect(policy.key(message(1, 1, reply(1, { id: "c1" })))).toBe("id:c1");
    expect(policy.key(message(2, 2, reply(2, { name: "dev" })))).toBe("name:dev");
    const update: BotPayload = {
      op: "upsert_root",
      buildId: 3,
      channel: { id: "c1" },
      message: "x",
      props: {},
    };
    expect(policy.key(message(3, 3, update))).toBeNull();
    expect(policy.key({ ...message(4, 4, reply(4, { id: "c1" })), payload: { text: "webhook" } })).toBeNull();
  });

  it("composes channel posts (no thread) from the stored builds: failures mentioned, secrets masked, a pruned build left to its own reply", () => {
    const builds = new Map<number, Build>([
      [1, makeBuild({ id: 1, status: "failed", requester: "bob", branch: "s3cret" })],
      [2, makeBuild({ id: 2, status: "succeeded", requester: "carol" })],
    ]);
    const policy = botDigest(config, (id) => builds.get(id));
    const messages = [
      message(10, 1, reply(1, { name: "dev" }), 2),
      message(11, 2, reply(2, { name: "dev" })),
      message(12, 3, reply(3, { name: "dev" })),
    ];
    const parts = policy.compose(messages, Date.UTC(2026, 0, 1, 11));
    expect(parts).toHaveLength(1);
    expect(parts[0]?.covers).toEqual([10, 11]);
    const payload = parts[0]?.payload as BotPayload;
    expect(payload.op).toBe("post");
    expect(payload.channel).toEqual({ name: "dev" });
    expect(payload.message.split("\n")).toEqual([
      "While Mattermost could not be reached (posts waiting since 2026-01-01 10:10 UTC), 2 builds finished (1 not successful):",
      "- **failed** [#1](http://ci.example.com:8080/builds/1) app \\*\\*\\*\\*, requested by @bob",
      "- **succeeded** [#2](http://ci.example.com:8080/builds/2) app main, requested by carol",
    ]);
  });

  it("says there was an outage when sends were failing, though the replies were never tried (they wait behind their roots)", () => {
    const builds = new Map<number, Build>([[1, makeBuild({ id: 1, status: "succeeded" })]]);
    const policy = botDigest(config, (id) => builds.get(id));
    const replies = [message(10, 1, reply(1, { id: "c1" }))];
    const quiet = policy.compose(replies, 0, { failing: false })[0]?.payload as BotPayload;
    expect(quiet.message).toMatch(/^1 builds finished between /);
    const failing = policy.compose(replies, 0, { failing: true })[0]?.payload as BotPayload;
    expect(failing.message).toMatch(
      /^While Mattermost could not be reached \(posts waiting since 2026-01-01 10:10 UTC\)/,
    );
  });

  it("pings the author of a pushed commit behind a failure, mapped to their chat name, as the build's own reply would", () => {
    const hooked = makeConfig({
      forges: {
        github: {
          webhook_secret: "webhook-secret-0123456789",
          mattermost_users: { "dave@example.com": "dave.mm" },
        },
      },
      repos: {
        app: {
          url: "https://github.com/acme/app.git",
          branch: "main",
          commands: ["true"],
          on: { push: ["main"] },
        },
      },
    });
    const commit = {
      sha: "a".repeat(40),
      title: "break it",
      authorName: "Dave",
      authorEmail: "dave@example.com",
    };
    const trigger = {
      kind: "push" as const,
      forge: "github" as const,
      ref: "refs/heads/main",
      pusher: "octocat",
      pusherLogin: "octocat",
      commits: [commit],
      totalCommits: 1,
      compareUrl: null,
      tag: false,
    };
    const build = makeBuild({ id: 1, status: "failed", requester: "octocat", trigger });
    const policy = botDigest(hooked, (id) => (id === 1 ? build : undefined));
    const payload = policy.compose([message(10, 1, reply(1, { id: "c1" }))], 0)[0]?.payload as BotPayload;
    expect(payload.message.split("\n")[1]).toBe(
      "- **failed** [#1](http://ci.example.com:8080/builds/1) app main, requested by @octocat; pushed by @dave.mm",
    );
  });
});
