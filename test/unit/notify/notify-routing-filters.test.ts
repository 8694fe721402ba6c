import { describe, expect, it, vi } from "vitest";
import type { BotPayload } from "../../../src/chat/mattermost/bot-payload.js";
import type { IncomingWebhookRequest } from "../../../src/chat/mattermost/incoming-webhook-request.js";
import {
  BOT_REPLY,
  BOT_UPDATE,
  botFormatter,
  webhookFormatter,
} from "../../../src/chat/mattermost/status-formatters.js";
import type { Build } from "../../../src/core/build.js";
import type { LogTailSource } from "../../../src/core/ports.js";
import { announcesFinish, repoNotifyFilter, routeChannel } from "../../../src/notify/notify-policy.js";
import type { NewOutboxMessage } from "../../../src/notify/ports.js";
import { OutboxStatusNotifier } from "../../../src/notify/status-notifier.js";
import { makeBuild } from "../../fakes/make-build.js";
import { RecordingOutbox } from "../../fakes/recording-outbox.js";
import { makeConfig } from "../../helpers/make-config.js";

const SECRET = "hunter2-secret-value";
const actions = {
  url: "http://ci.example.com:8080/mattermost/action",
  secret: "k".repeat(32),
  lifetimeMs: 86_400_000,
  clock: () => 0,
};

function setup(
  mode: "bot" | "webhook",
  repo: Record<string, unknown> = {},
  extra: { logs?: LogTailSource; previous?: Build } = {},
) {
  const outbox = new RecordingOutbox();
  const enqueued = outbox.messages;
  const config = makeConfig({
    mattermost: { token: "t" },
    repos: { app: { url: "/x.git", commands: ["make", "make test"], secrets: { KEY: SECRET }, ...repo } },
  });
  const notifier = new OutboxStatusNotifier(outbox, config, {
    formatter: (mode === "bot" ? botFormatter : webhookFormatter)(config, actions),
    filter: repoNotifyFilter(config, () => extra.previous),
    ...(extra.logs ? { logs: extra.logs } : {}),
  });
  return { notifier, enqueued };
}

const steps = [
  { index: 0, name: "make", status: "succeeded" as const, exitCode: 0, startedAt: 1, finishedAt: 2 },
  { index: 1, name: "make test", status: "failed" as const, exitCode: 2, startedAt: 2, finishedAt: 3 },
];
const failed = makeBuild({ status: "failed", finishedAt: 1_070_000, failingStep: "make test", steps });
const succeeded = makeBuild({ status: "succeeded", finishedAt: 1_070_000 });
const kinds = (messages: NewOutboxMessage[]) => messages.map((m) => m.kind);

describe("routing", () => {
  it("sends a branch to its notify_branches channel, else notify_channel, else the default", () => {
    const repo = makeConfig({
      repos: {
        app: {
          url: "/x",
          commands: ["true"],
          notify_channel: "builds",
          notify_branches: { "release/*": "releases", "hotfix/**": "oncall" },
        },
      },
    }).repos.app;
    expect(routeChannel(repo, "release/1.2")).toBe("releases");
    expect(routeChannel(repo, "hotfix/a/b")).toBe("oncall");
    expect(routeChannel(repo, "main")).toBe("builds");
    expect(routeChannel(makeConfig().repos.app, "main")).toBeNull();
  });

  it("bot mode posts by channel name when routed, else in the channel /build was typed in", () => {
    const routed = setup("bot", { notify_branches: { "release/*": "releases" } });
    routed.notifier.buildQueued(makeBuild({ status: "queued", branch: "release/2" }));
    routed.notifier.buildQueued(makeBuild({ status: "queued", branch: "main", channelId: "c".repeat(26) }));
    expect(routed.enqueued.map((m) => (m.payload as BotPayload).channel)).toEqual([
      { name: "releases" },
      { id: "c".repeat(26) },
    ]);
  });

  it("webhook mode overrides the hook's channel only when routed", () => {
    const { notifier, enqueued } = setup("webhook", { notify_branches: { "release/*": "releases" } });
    notifier.buildStarted(makeBuild({ branch: "release/2" }));
    notifier.buildStarted(makeBuild({ branch: "main" }));
    expect(enqueued.map((m) => (m.payload as IncomingWebhookRequest).channel)).toEqual([
      "releases",
      undefined,
    ]);
  });
});

describe("notify filters", () => {
  it("all: bot mode posts at queue, start, each step and finish; webhook mode at start and finish", () => {
    const bot = setup("bot");
    bot.notifier.buildQueued(makeBuild({ status: "queued" }));
    bot.notifier.buildStarted(makeBuild());
    bot.notifier.buildProgressed(makeBuild());
    bot.notifier.buildFinished(succeeded);
    expect(kinds(bot.enqueued)).toEqual([BOT_UPDATE, BOT_UPDATE, BOT_UPDATE, BOT_UPDATE, BOT_REPLY]);
    expect(bot.enqueued.filter((m) => m.kind === BOT_UPDATE).every((m) => m.coalesce === true)).toBe(true);

    const hook = setup("webhook");
    hook.notifier.buildQueued(makeBuild({ status: "queued" }));
    hook.notifier.buildStarted(makeBuild());
    hook.notifier.buildProgressed(makeBuild());
    hook.notifier.buildFinished(succeeded);
    expect(kinds(hook.enqueued)).toEqual(["build_started", "build_finished"]);
  });

  it("failures: nothing until an unsuccessful finish; cancelled is not a failure", () => {
    for (const mode of ["bot", "webhook"] as const) {
      const { notifier, enqueued } = setup(mode, { notify: "failures" });
      notifier.buildQueued(makeBuild({ status: "queued" }));
      notifier.buildStarted(makeBuild());
      notifier.buildProgressed(makeBuild());
      notifier.buildFinished(succeeded);
      notifier.buildFinished({ ...succeeded, status: "cancelled" });
      expect(enqueued).toEqual([]);
      notifier.buildFinished({ ...failed, steps: [] });
      notifier.buildFinished({ ...succeeded, status: "timed_out" });
      expect(kinds(enqueued)).toEqual(
        mode === "bot"
          ? [BOT_UPDATE, BOT_REPLY, BOT_UPDATE, BOT_REPLY]
          : ["build_finished", "build_finished"],
      );
    }
  });

  it("asks for the branch's previous verdict only when the repo's filter needs it (changes)", () => {
    for (const [notify, asked] of [
      ["all", 0],
      ["failures", 0],
      ["changes", 1],
    ] as const) {
      const config = makeConfig({ repos: { app: { url: "/x", commands: ["true"], notify } } });
      const previous = vi.fn(() => undefined);
      repoNotifyFilter(config, previous).finish(makeBuild({ status: "failed" }));
      expect(previous, notify).toHaveBeenCalledTimes(asked);
    }
  });

  it("changes: only broken (including a first failure) and fixed", () => {
    const cases: [Build["status"] | null, Build["status"], boolean][] = [
      [null, "succeeded", false],
      [null, "failed", true],
      ["succeeded", "succeeded", false],
      ["succeeded", "failed", true],
      ["failed", "timed_out", false],
      ["timed_out", "succeeded", true],
      ["failed", "cancelled", false],
    ];
    const repo = makeConfig({ repos: { app: { url: "/x", commands: ["true"], notify: "changes" } } }).repos
      .app;
    for (const [before, now, announced] of cases) {
      const previous = before ? makeBuild({ id: 1, status: before }) : undefined;
      expect(
        announcesFinish(repo, makeBuild({ status: now }), () => previous),
        `${before} → ${now}`,
      ).toBe(announced);
    }
    const { notifier, enqueued } = setup(
      "webhook",
      { notify: "changes" },
      { previous: makeBuild({ status: "failed" }) },
    );
    notifier.buildStarted(makeBuild());
    notifier.buildFinished(succeeded);
    expect(kinds(enqueued)).toEqual(["build_finished"]);
  });
});

describe("failure excerpts", () => {
  const log = `compiling\n${"ok\n".repeat(40)}using ${SECRET}\nerror: 2 tests failed\n`;
  const logs: LogTailSource = {
    readTail: async (_build, index) => (index === 1 ? { text: log, complete: true } : null),
  };

  it("bot mode: a thread reply that mentions the requester and quotes the failing step, secrets masked", async () => {
    const { notifier, enqueued } = setup("bot", {}, { logs });
    notifier.buildFinished(failed);
    await notifier.settled();
    const reply = enqueued.find((m) => m.kind === BOT_REPLY)?.payload as BotPayload;
    expect(reply.message).toMatch(/^@alice build \[#12\]/);
    expect(reply.message).toContain("Output of step 2, make test:\n```\n");
    expect(reply.message).toContain("error: 2 tests failed");
    expect(reply.message).toContain("using ****");
    expect(JSON.stringify(enqueued)).not.toContain(SECRET);
  });

  it("webhook mode: inside the finish post, with Rebuild and Full log buttons", async () => {
    const { notifier, enqueued } = setup("webhook", {}, { logs });
    notifier.buildFinished(failed);
    await notifier.settled();
    const [post] = enqueued.map((m) => m.payload as IncomingWebhookRequest);
    const attachment = post?.attachments?.[0];
    expect(attachment?.text).toContain("error: 2 tests failed");
    expect(attachment?.actions?.map((a) => a.name)).toEqual(["Rebuild", "Full log"]);
    expect(JSON.stringify(enqueued)).not.toContain(SECRET);
  });

  it("a log that cannot be read still gives the finish post, without an excerpt", async () => {
    const broken: LogTailSource = { readTail: async () => Promise.reject(new Error("EIO")) };
    const { notifier, enqueued } = setup("bot", {}, { logs: broken });
    notifier.buildFinished(failed);
    await notifier.settled();
    expect(kinds(enqueued)).toEqual([BOT_UPDATE, BOT_REPLY]);
    expect((enqueued[1]?.payload as BotPayload | undefined)?.message).not.toContain("```");
  });
});
