import { describe, expect, it } from "vitest";
import type { BotPayload } from "../../../../src/chat/mattermost/bot-payload.js";
import type { IncomingWebhookRequest } from "../../../../src/chat/mattermost/incoming-webhook-request.js";
import {
  BOT_UPDATE,
  botFormatter,
  webhookFormatter,
} from "../../../../src/chat/mattermost/status-formatters.js";
import type { Build } from "../../../../src/core/build.js";
import { BuildService } from "../../../../src/core/build-service.js";
import { WEB_CHANNEL } from "../../../../src/core/chat-command.js";
import { handleCommand } from "../../../../src/core/handle-command.js";
import { repoNotifyFilter } from "../../../../src/notify/notify-policy.js";
import type { NewOutboxMessage } from "../../../../src/notify/ports.js";
import { OutboxStatusNotifier } from "../../../../src/notify/status-notifier.js";
import { openDatabase } from "../../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../../src/store/sqlite-build-store.js";
import { makeBuild } from "../../../fakes/make-build.js";
import { RecordingBackend } from "../../../fakes/recording-backend.js";
import { RecordingOutbox } from "../../../fakes/recording-outbox.js";
import { makeConfig } from "../../../helpers/make-config.js";

/**
 * Where a build's posts go, and what follows from it: a web rebuild is posted to a real channel
 * (never to the pseudo-channel "web"), buttons appear only where a click can work, and the
 * requester's answer says where the posts go and which ones.
 */

const TOWN = { id: "1vrjnvgfygwwqc38hyf9sxmeco", name: "town-square" };

function notifierFor(
  mode: "bot" | "webhook",
  config: ReturnType<typeof makeConfig>,
  builds: readonly Build[] = [],
) {
  const outbox = new RecordingOutbox();
  const enqueued = outbox.messages;
  const actions = {
    url: "http://ci.example.com:8080/mattermost/action",
    secret: "k".repeat(32),
    lifetimeMs: 86_400_000,
    clock: () => 0,
  };
  const findBuild = (id: number) => builds.find((b) => b.id === id);
  const notifier = new OutboxStatusNotifier(outbox, config, {
    formatter: mode === "bot" ? botFormatter(config, actions, findBuild) : webhookFormatter(config, actions),
    filter: repoNotifyFilter(config),
  });
  return { notifier, enqueued };
}

const rootChannel = (messages: NewOutboxMessage[]) =>
  (messages.find((m) => m.kind === BOT_UPDATE)?.payload as BotPayload | undefined)?.channel;
/** Button names of the last message's attachment (bot: props.attachments; webhook: attachments). */
function buttons(messages: NewOutboxMessage[]): string[] {
  type Attachments = { attachments?: { actions?: { name: string }[] }[] };
  const payload = messages.at(-1)?.payload as (Attachments & { props?: Attachments }) | undefined;
  const attachments = payload?.props?.attachments ?? payload?.attachments ?? [];
  return (attachments[0]?.actions ?? []).map((a) => a.name);
}

describe("a rebuild from the web (bot mode)", () => {
  const original = makeBuild({ id: 5, status: "failed", channelId: TOWN.id, channelName: TOWN.name });
  const webRebuild = makeBuild({
    id: 6,
    status: "queued",
    channelId: WEB_CHANNEL.id,
    channelName: WEB_CHANNEL.name,
    rebuildOf: 5,
  });

  it("is posted in the original build's channel, not in the pseudo-channel 'web'", () => {
    const { notifier, enqueued } = notifierFor("bot", makeConfig(), [original]);
    notifier.buildQueued(webRebuild);
    expect(rootChannel(enqueued)).toEqual({ id: TOWN.id });
    expect(notifier.destination(webRebuild)?.where).toEqual({ kind: "channel", name: "town-square" });
  });

  it("goes to the repo's notify_channel when it has one", () => {
    const config = makeConfig({
      repos: { app: { url: "/x", commands: ["true"], notify_channel: "ci-status" } },
    });
    const { notifier, enqueued } = notifierFor("bot", config, [original]);
    notifier.buildQueued(webRebuild);
    expect(rootChannel(enqueued)).toEqual({ name: "ci-status" });
  });

  it("follows a chain of web rebuilds back to a chat channel, and posts nothing when there is none", () => {
    const second = makeBuild({ ...webRebuild, id: 7, rebuildOf: 6 });
    const { notifier, enqueued } = notifierFor("bot", makeConfig(), [original, webRebuild]);
    notifier.buildQueued(second);
    expect(rootChannel(enqueued)).toEqual({ id: TOWN.id });

    const orphan = makeBuild({ ...webRebuild, id: 8, rebuildOf: null });
    const alone = notifierFor("bot", makeConfig());
    alone.notifier.buildQueued(orphan);
    alone.notifier.buildFinished({ ...orphan, status: "succeeded", finishedAt: 1_020_000 });
    expect(alone.enqueued).toEqual([]);
    expect(alone.notifier.destination(orphan)?.where).toBeNull();
  });
});

describe("buttons only where a click can work", () => {
  const routed = makeConfig({
    mattermost: { token: "t", channels: ["ci"] },
    repos: { app: { url: "/x", commands: ["true"], notify_channel: "ci-status" } },
  });

  it("a post routed to a channel where /build may not run has no Stop and no Rebuild, only Full log", () => {
    for (const mode of ["bot", "webhook"] as const) {
      const running = notifierFor(mode, routed);
      running.notifier.buildStarted(makeBuild({ status: "running" }));
      expect(buttons(running.enqueued)).toEqual([]);
      const finished = notifierFor(mode, routed);
      finished.notifier.buildFinished(makeBuild({ status: "failed", finishedAt: 1_020_000 }));
      const post = finished.enqueued.find((m) =>
        mode === "bot" ? m.kind === BOT_UPDATE : m.kind === "build_finished",
      );
      expect(buttons(post ? [post] : [])).toEqual(["Full log"]);
    }
  });

  it("keeps Stop and Rebuild when the routed channel is also a command channel", () => {
    const both = makeConfig({
      mattermost: { token: "t", channels: ["ci", "ci-status"] },
      repos: { app: { url: "/x", commands: ["true"], notify_channel: "ci-status" } },
    });
    const { notifier, enqueued } = notifierFor("bot", both);
    notifier.buildStarted(makeBuild({ status: "running" }));
    expect(buttons(enqueued)).toEqual(["Stop"]);
    notifier.buildFinished(makeBuild({ status: "failed", finishedAt: 1_020_000 }));
    const root = enqueued.filter((m) => m.kind === BOT_UPDATE);
    expect(buttons(root)).toEqual(["Rebuild", "Full log"]);
  });

  it("a repo limited to other channels gets no Rebuild in a channel where Stop still works", () => {
    const config = makeConfig({
      mattermost: { token: "t" },
      repos: { app: { url: "/x", commands: ["true"], channels: ["ci"], notify_channel: "ci-status" } },
    });
    const { notifier, enqueued } = notifierFor("webhook", config);
    notifier.buildFinished(makeBuild({ status: "failed", finishedAt: 1_020_000 }));
    const post = enqueued[0]?.payload as IncomingWebhookRequest;
    expect(post.attachments?.[0]?.actions?.map((a) => a.name)).toEqual(["Full log"]);
    notifier.buildStarted(makeBuild({ status: "running" }));
    expect(buttons(enqueued)).toEqual(["Stop"]);
  });
});

describe("the answer to /build says where the posts go", () => {
  const alice = { id: "uid-alice", name: "alice" };
  const ci = { id: "chan-ci", name: "ci" };

  async function ack(mode: "bot" | "webhook", repo: Record<string, unknown>) {
    const config = makeConfig({
      mattermost: { token: "t" },
      repos: { app: { url: "/x", commands: ["true"], ...repo } },
    });
    const store = new SqliteBuildStore(openDatabase(":memory:"));
    const { notifier } = notifierFor(mode, config);
    const service = new BuildService({
      config,
      store,
      notifier,
      refs: { branchExists: async () => true, assertOnBranch: async () => {} },
    });
    const backend = new RecordingBackend();
    backend.sink = service.applyEvent;
    service.attachBackend(backend);
    return (await handleCommand(service, config, { text: "app", user: alice, channel: ci })).text;
  }

  it("names the channel the posts are routed to", async () => {
    const text = await ack("bot", { notify_channel: "ci-status" });
    expect(text).toContain("Status posts follow in ~ci-status.");
    expect(text).not.toContain("in the channel");
  });

  it("says this channel when posts come here, and the webhook's channel in webhook mode", async () => {
    expect(await ack("bot", {})).toContain("Status posts follow in this channel.");
    expect(await ack("webhook", {})).toContain("Status posts follow in the channel of slashbuild's webhook.");
  });

  it("under notify: failures or changes, says the build is announced only if it fails or changes", async () => {
    const failures = await ack("bot", { notify: "failures", notify_channel: "ci-status" });
    expect(failures).toContain("It is announced in ~ci-status only if it fails.");
    expect(failures).not.toContain("Status posts follow");
    const changes = await ack("bot", { notify: "changes" });
    expect(changes).toContain("It is announced in this channel only if it breaks or fixes `main`.");
  });
});
