import { describe, expect, it } from "vitest";
import {
  type DirectPayload,
  directMessageFormatter,
  isDirectPayload,
} from "../../../../src/chat/mattermost/direct-message-formatter.js";
import type { Build } from "../../../../src/core/build.js";
import { makeBuild } from "../../../fakes/make-build.js";
import { MemoryDirectMessages } from "../../../fakes/memory-direct-messages.js";
import { makeConfig } from "../../../helpers/make-config.js";

const SECRET = "hunter2-secret-value";
const alice = { id: "sfogyr3xkxwnrek8pk3yr9oudo", name: "alice" };
const dave = { id: "daveddaveddaveddaveddavedd", name: "Dave.MM" };

const config = makeConfig({
  forges: {
    github: {
      webhook_secret: "webhook-secret-0123456789",
      mattermost_users: { "dave@example.com": "dave.mm", "erin@example.com": "erin" },
    },
  },
  repos: {
    app: {
      url: "https://github.com/acme/app.git",
      branch: "main",
      commands: ["true"],
      on: { push: ["main"] },
      secrets: { TOKEN: SECRET },
    },
  },
});

const step = {
  index: 1,
  name: "test",
  command: "npm test",
  status: "failed" as const,
  exitCode: 1,
  startedAt: 1,
  finishedAt: 2,
};

function push(emails: string[]): NonNullable<Build["trigger"]> {
  return {
    kind: "push",
    forge: "github",
    pusher: "octocat",
    pusherLogin: "octocat",
    commits: emails.map((email, n) => ({
      sha: String(n).repeat(40),
      title: "change",
      authorName: "Someone",
      authorEmail: email,
    })),
    totalCommits: emails.length,
    compareUrl: null,
    tag: false,
  };
}

function messages(
  preferences: MemoryDirectMessages,
  build: Build,
  excerpt: string | null = null,
): DirectPayload[] {
  const drafts = directMessageFormatter(config, preferences).finished(
    build,
    excerpt === null ? null : { step: build.steps[0] ?? (step as never), text: excerpt },
  );
  return drafts.map((draft) => {
    if (!isDirectPayload(draft.payload)) throw new Error("not a direct message");
    return draft.payload;
  });
}

describe("directMessageFormatter", () => {
  it("tells the requester of a typed build when it fails, if they asked for failures or all, and nobody else", () => {
    const preferences = new MemoryDirectMessages();
    const failed = makeBuild({ status: "failed", finishedAt: 1_073_000, failingStep: "test" });
    const passed = makeBuild({ status: "succeeded", finishedAt: 1_073_000 });
    expect(messages(preferences, failed)).toEqual([]);

    preferences.set(alice, "failures");
    const [one, ...more] = messages(preferences, failed);
    expect(more).toEqual([]);
    expect(one?.userId).toBe(alice.id);
    expect(one?.message).toMatch(
      /^Your build \[#12\]\(http:\/\/ci\.example\.com:8080\/builds\/12\) of \*\*app\*\* \(branch \*\*main\*\* at `0123456789`\) \*\*failed\*\* after 1m 03s at test\./,
    );
    expect(one?.message).toMatch(/`\/build notify me off` stops these messages/);
    expect(messages(preferences, passed)).toEqual([]);

    preferences.set(alice, "all");
    expect(messages(preferences, passed)[0]?.message).toMatch(/^Your build .* \*\*succeeded\*\*/);
    // Nothing before the finish.
    const formatter = directMessageFormatter(config, preferences);
    expect([
      ...formatter.queued(passed),
      ...formatter.started(passed),
      ...formatter.progressed(passed),
    ]).toEqual([]);
  });

  it("tells the authors of a push's commits that mattermost_users maps to a chat user who asked, never a Git login", () => {
    const preferences = new MemoryDirectMessages();
    preferences.set(dave, "failures");
    // octocat (the pusher's login) asked too, under that chat name: a login names nobody for sure.
    preferences.set({ id: "octocatoctocatoctocatoctoc", name: "octocat" }, "all");
    // A push build's requester id is a Git host login, not a chat user's.
    const build = makeBuild({
      status: "timed_out",
      finishedAt: 1_073_000,
      requester: "octocat",
      requesterId: "github:octocat",
      trigger: push(["Dave@Example.com", "dave@example.com", "erin@example.com", "nobody@example.com"]),
    });
    const sent = messages(preferences, build);
    expect(sent.map((m) => m.userId)).toEqual([dave.id]);
    expect(sent[0]?.message).toMatch(/^Build \[#12\].*, of commits you pushed, \*\*timed out\*\*/);
  });

  it("writes to a person once when they typed the build and authored it too", () => {
    const preferences = new MemoryDirectMessages();
    preferences.set({ id: alice.id, name: "dave.mm" }, "failures");
    const build = makeBuild({ status: "failed", finishedAt: 1_073_000 });
    expect(messages(preferences, { ...build, trigger: undefined }).map((m) => m.userId)).toEqual([alice.id]);
  });

  it("masks the repo's secrets in the headline and the excerpt", () => {
    const preferences = new MemoryDirectMessages();
    preferences.set(alice, "failures");
    const build = makeBuild({
      status: "failed",
      finishedAt: 1_073_000,
      failingStep: `deploy ${SECRET}`,
      steps: [{ ...step, name: `deploy ${SECRET}` }] as never,
    });
    const [sent] = messages(preferences, build, `token was ${SECRET}\nexit 1`);
    expect(sent?.message).toContain("exit 1");
    expect(sent?.message).not.toContain(SECRET);
  });
});
