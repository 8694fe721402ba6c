import { describe, expect, it } from "vitest";
import type { IncomingWebhookRequest } from "../../../src/chat/mattermost/incoming-webhook-request.js";
import { webhookFormatter } from "../../../src/chat/mattermost/status-formatters.js";
import { repoNotifyFilter } from "../../../src/notify/notify-policy.js";
import { OutboxStatusNotifier } from "../../../src/notify/status-notifier.js";
import type { NewOutboxMessage } from "../../../src/store/sqlite-outbox.js";
import { makeBuild } from "../../fakes/make-build.js";
import { makeConfig } from "../../helpers/make-config.js";

function setup(repoExtra: Record<string, unknown> = {}) {
  const enqueued: NewOutboxMessage[] = [];
  const config = makeConfig({
    mattermost: { token: "t", username: "ci-bot" },
    repos: {
      app: { url: "/x.git", commands: ["make test"], secrets: { API_KEY: "hunter2-secret" }, ...repoExtra },
    },
  });
  const notifier = new OutboxStatusNotifier(
    {
      enqueue: (message) => {
        enqueued.push(message);
        return enqueued.length;
      },
    },
    config,
    { formatter: webhookFormatter(config), filter: repoNotifyFilter(config) },
  );
  return { notifier, enqueued };
}

describe("OutboxStatusNotifier", () => {
  it("posts nothing when a build is queued (webhook mode)", () => {
    const { notifier, enqueued } = setup();
    notifier.buildQueued(makeBuild({ status: "queued" }));
    expect(enqueued).toEqual([]);
  });

  it("enqueues a start and a finish post for the build, in that order", () => {
    const { notifier, enqueued } = setup();
    notifier.buildStarted(makeBuild());
    notifier.buildFinished(makeBuild({ status: "succeeded", finishedAt: 1_052_000 }));
    expect(enqueued.map((m) => [m.buildId, m.kind])).toEqual([
      [12, "build_started"],
      [12, "build_finished"],
    ]);
    const finish = enqueued[1]?.payload as IncomingWebhookRequest;
    expect(finish.text).toContain("succeeded after 42s");
    expect(finish.text).toContain("http://ci.example.com:8080/builds/12");
    expect(finish.username).toBe("ci-bot");
    expect(finish.channel).toBeUndefined();
  });

  it("sends to the repo's notify channel and masks the repo's secrets", () => {
    const { notifier, enqueued } = setup({ notify_channel: "app-builds" });
    notifier.buildFinished(
      makeBuild({ status: "failed", failingStep: "deploy --key hunter2-secret", finishedAt: 1_020_000 }),
    );
    const payload = enqueued[0]?.payload as IncomingWebhookRequest;
    expect(payload.channel).toBe("app-builds");
    expect(JSON.stringify(payload)).not.toContain("hunter2");
  });
});
