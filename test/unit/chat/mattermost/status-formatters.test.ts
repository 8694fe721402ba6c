import { describe, expect, it } from "vitest";
import type { BotPayload } from "../../../../src/chat/mattermost/bot-payload.js";
import type { IncomingWebhookRequest } from "../../../../src/chat/mattermost/incoming-webhook-request.js";
import {
  BOT_REPLY,
  BOT_UPDATE,
  botFormatter,
  webhookFormatter,
} from "../../../../src/chat/mattermost/status-formatters.js";
import type { Step } from "../../../../src/core/build.js";
import type { Excerpt, OutboxDraft } from "../../../../src/notify/ports.js";
import { makeBuild } from "../../../fakes/make-build.js";
import { makeConfig } from "../../../helpers/make-config.js";

/** Mattermost's StatusFormatters: what each mode posts at each moment, where, and with what. */

const SECRET = "hunter2-secret-value";
const actions = {
  url: "http://ci.example.com:8080/mattermost/action",
  secret: "k".repeat(32),
  lifetimeMs: 86_400_000,
  clock: () => 0,
};

function formatter(mode: "bot" | "webhook", repo: Record<string, unknown> = {}) {
  const config = makeConfig({
    mattermost: { token: "t", username: "ci-bot" },
    repos: { app: { url: "/x.git", commands: ["make", "make test"], secrets: { KEY: SECRET }, ...repo } },
  });
  return mode === "bot" ? botFormatter(config, actions) : webhookFormatter(config, actions);
}

const steps: Step[] = [
  { index: 0, name: "make", status: "succeeded", exitCode: 0, startedAt: 1, finishedAt: 2 },
  { index: 1, name: "make test", status: "failed", exitCode: 2, startedAt: 2, finishedAt: 3 },
];
const failed = makeBuild({ status: "failed", finishedAt: 1_070_000, failingStep: "make test", steps });
const succeeded = makeBuild({ status: "succeeded", finishedAt: 1_052_000 });
const excerpt: Excerpt = { step: steps[1] as Step, text: "error: 2 tests failed" };
const kinds = (drafts: readonly OutboxDraft[]) => drafts.map((d) => d.kind);

describe("Mattermost's status formatters", () => {
  it("bot mode posts at queue, start, each step and finish (root post patches coalesce); webhook mode at start and finish", () => {
    const bot = formatter("bot");
    const all = [
      ...bot.queued(makeBuild({ status: "queued" })),
      ...bot.started(makeBuild()),
      ...bot.progressed(makeBuild()),
      ...bot.finished(succeeded, null),
    ];
    expect(kinds(all)).toEqual([BOT_UPDATE, BOT_UPDATE, BOT_UPDATE, BOT_UPDATE, BOT_REPLY]);
    expect(all.filter((d) => d.kind === BOT_UPDATE).every((d) => d.coalesce === true)).toBe(true);

    const hook = formatter("webhook");
    expect([
      ...hook.queued(makeBuild({ status: "queued" })),
      ...hook.started(makeBuild()),
      ...hook.progressed(makeBuild()),
      ...hook.finished(succeeded, null),
    ]).toMatchObject([{ kind: "build_started" }, { kind: "build_finished", supersedes: ["build_started"] }]);
  });

  it("webhook mode: the finish post links the build, says how it ended, and posts as the configured name", () => {
    const [finish] = formatter("webhook").finished(succeeded, null);
    const payload = finish?.payload as IncomingWebhookRequest;
    expect(payload.text).toContain("succeeded after 42s");
    expect(payload.text).toContain("http://ci.example.com:8080/builds/12");
    expect(payload.username).toBe("ci-bot");
    expect(payload.channel).toBeUndefined();
  });

  it("bot mode posts by channel name when routed, else in the channel /build was typed in", () => {
    const bot = formatter("bot", { notify_branches: { "release/*": "releases" } });
    const drafts = [
      ...bot.queued(makeBuild({ status: "queued", branch: "release/2" })),
      ...bot.queued(makeBuild({ status: "queued", branch: "main", channelId: "c".repeat(26) })),
    ];
    expect(drafts.map((d) => (d.payload as BotPayload).channel)).toEqual([
      { name: "releases" },
      { id: "c".repeat(26) },
    ]);
  });

  it("webhook mode overrides the hook's channel only when routed", () => {
    const hook = formatter("webhook", { notify_branches: { "release/*": "releases" } });
    const drafts = [
      ...hook.started(makeBuild({ branch: "release/2" })),
      ...hook.started(makeBuild({ branch: "main" })),
    ];
    expect(drafts.map((d) => (d.payload as IncomingWebhookRequest).channel)).toEqual(["releases", undefined]);
  });

  it("bot mode: the finish reply mentions the requester and quotes the failing step, secrets masked", () => {
    const drafts = formatter("bot").finished({ ...failed, reason: `key ${SECRET}` }, excerpt);
    const reply = drafts.find((d) => d.kind === BOT_REPLY)?.payload as BotPayload;
    expect(reply.message).toMatch(/^@alice build \[#12\]/);
    expect(reply.message).toContain("Output of step 2, make test:\n```\n");
    expect(reply.message).toContain("error: 2 tests failed");
    expect(JSON.stringify(drafts)).not.toContain(SECRET);
  });

  it("webhook mode: the excerpt is inside the finish post, with Rebuild and Full log buttons", () => {
    const [post] = formatter("webhook")
      .finished(failed, excerpt)
      .map((d) => d.payload as IncomingWebhookRequest);
    const attachment = post?.attachments?.[0];
    expect(attachment?.text).toContain("error: 2 tests failed");
    expect(attachment?.actions?.map((a) => a.name)).toEqual(["Rebuild", "Full log"]);
  });

  it("gives the same messages in the same order with and without the excerpt (StatusFormatter's contract)", () => {
    for (const mode of ["bot", "webhook"] as const) {
      const f = formatter(mode);
      expect(kinds(f.finished(failed, excerpt)), mode).toEqual(kinds(f.finished(failed, null)));
    }
  });
});
