import { describe, expect, it } from "vitest";
import { verifyAction } from "../../../../src/chat/mattermost/action-signature.js";
import type { IntegrationAction } from "../../../../src/chat/mattermost/build-actions.js";
import { MAX_POST_RUNES } from "../../../../src/chat/mattermost/format-build-message.js";
import {
  formatFinishReply,
  formatFullLog,
  formatRootPost,
} from "../../../../src/chat/mattermost/format-build-post.js";
import { makeBuild } from "../../../fakes/make-build.js";
import { makeConfig } from "../../../helpers/make-config.js";

const SECRET = "k".repeat(32);
const NOW = Date.UTC(2026, 10, 30);
const options = {
  publicUrl: "http://ci.example.com:8080",
  secrets: ["hunter2-secret"],
  actions: {
    url: "http://ci.example.com:8080/mattermost/action",
    secret: SECRET,
    lifetimeMs: 86_400_000,
    clock: () => NOW,
  },
};
const step = (index: number, name: string, status: "succeeded" | "running" | "pending" | "failed") => ({
  index,
  name,
  status,
  exitCode: status === "failed" ? 2 : status === "succeeded" ? 0 : null,
  startedAt: status === "pending" ? null : 1_010_000,
  finishedAt: status === "succeeded" || status === "failed" ? 1_015_000 : null,
});
const actionsOf = (props: Readonly<Record<string, unknown>>) =>
  ((props.attachments as { actions?: IntegrationAction[] }[])[0]?.actions ?? []) as IntegrationAction[];

describe("formatRootPost", () => {
  it("shows the running step as k of n, with a signed Stop button", () => {
    const build = makeBuild({
      steps: [
        step(0, "make", "succeeded"),
        step(1, "make test", "running"),
        step(2, "make deploy", "pending"),
      ],
    });
    const post = formatRootPost(build, options);
    expect(post.message).toBe(
      ":arrow_forward: Build [#12](http://ci.example.com:8080/builds/12) of **app** (branch **main** at `0123456789`) is running: step 2 of 3, make test.",
    );
    const [stop] = actionsOf(post.props);
    expect(stop).toMatchObject({
      id: "stop",
      name: "Stop",
      style: "danger",
      integration: { url: options.actions.url },
    });
    expect(verifyAction(SECRET, stop?.integration.context, NOW)).toEqual({
      ok: true,
      action: "stop",
      build: 12,
    });
    // Signed at formatting time, for mattermost.button_lifetime.
    expect(stop?.integration.context.exp).toBe((NOW + 86_400_000) / 1000);
    const fields = (post.props.attachments as { fields: { title: string; value: string }[] }[])[0]?.fields;
    expect(fields?.find((f) => f.title === "Steps")?.value).toBe(
      "✓ 1. make (5s)\n▶ 2. make test\n· 3. make deploy",
    );
  });

  it("states the result with duration and offers Rebuild and Full log once finished", () => {
    const build = makeBuild({ status: "failed", finishedAt: 1_072_000, failingStep: "make test" });
    const post = formatRootPost(build, options);
    expect(post.message).toMatch(/^:x: Build \[#12\].* \*\*failed\*\* after 1m 02s at make test\.$/);
    expect(actionsOf(post.props).map((a) => a.id)).toEqual(["rebuild", "fulllog"]);
  });

  it("keeps hostile names inert, masks secrets and fits Mattermost's post size", () => {
    const build = makeBuild({
      status: "queued",
      sha: null,
      branch: "x".repeat(20_000),
      requester: "@channel",
      reason: "token hunter2-secret leaked",
    });
    const post = formatRootPost(build, options);
    expect(Array.from(post.message).length).toBeLessThanOrEqual(MAX_POST_RUNES);
    const json = JSON.stringify(post);
    expect(json).not.toContain("hunter2-secret");
    expect(json).not.toMatch(/@channel/);
    const evil = formatRootPost(makeBuild({ branch: "feat/[click](http://evil)" }), options);
    expect(evil.message).toContain("feat/\\[click\\](http://evil)");
  });

  it("has no buttons when actions are off (console)", () => {
    expect(actionsOf(formatRootPost(makeBuild(), { publicUrl: "http://x" }).props)).toEqual([]);
  });
});

describe("formatFinishReply and formatFullLog", () => {
  it("mentions the requester with the result", () => {
    const build = makeBuild({ status: "succeeded", finishedAt: 1_013_000 });
    expect(formatFinishReply(build, null, options)).toBe(
      "@alice build [#12](http://ci.example.com:8080/builds/12) of **app** (branch **main** at `0123456789`) **succeeded** after 3s.",
    );
  });

  it("links each step's output on the build page", () => {
    const build = makeBuild({
      status: "failed",
      steps: [step(0, "make", "succeeded"), step(1, "make test", "failed")],
    });
    expect(formatFullLog(build, options)).toBe(
      "Full log of build [#12](http://ci.example.com:8080/builds/12) (failed):\n✓ [1. make](http://ci.example.com:8080/builds/12#step-1)\n✗ [2. make test](http://ci.example.com:8080/builds/12#step-2)",
    );
  });
});

describe("bot-mode config", () => {
  it("needs url and bot_token together, and reads the delivery rate", () => {
    expect(() => makeConfig({ mattermost: { token: "t", url: "http://mm.example.com" } })).toThrow(
      /both url and bot_token/,
    );
    const config = makeConfig({
      mattermost: { token: "t", url: "http://mm.example.com/", bot_token: "b", team: "acme" },
      delivery: { rate_per_second: 2, burst: 10 },
      repos: {
        app: { url: "/x", commands: ["true"], notify: "changes", notify_branches: { "release/*": "rel" } },
      },
    });
    expect(config.mattermost).toMatchObject({
      url: "http://mm.example.com",
      botToken: "b",
      team: "acme",
      actionSecret: null,
    });
    expect(config.delivery).toMatchObject({ ratePerSecond: 2, burst: 10 });
    expect(config.repos.app).toMatchObject({ notify: "changes", notifyBranches: { "release/*": "rel" } });
    expect(makeConfig().delivery).toMatchObject({ ratePerSecond: 5, burst: 20 });
    expect(() =>
      makeConfig({ repos: { app: { url: "/x", commands: ["true"], notify: "sometimes" } } }),
    ).toThrow(/notify/);
  });
});
