import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LogFiles } from "../../../src/backends/local/log-files.js";
import type { IncomingWebhookRequest } from "../../../src/chat/mattermost/incoming-webhook-request.js";
import { webhookFormatter } from "../../../src/chat/mattermost/status-formatters.js";
import { EXCERPT_WINDOW_BYTES } from "../../../src/notify/failure-excerpt.js";
import { repoNotifyFilter } from "../../../src/notify/notify-policy.js";
import { OutboxStatusNotifier } from "../../../src/notify/status-notifier.js";
import { makeBuild } from "../../fakes/make-build.js";
import { RecordingOutbox } from "../../fakes/recording-outbox.js";
import { makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { makeConfig } from "../../helpers/make-config.js";

function setup(repoExtra: Record<string, unknown> = {}, logs?: LogFiles) {
  const outbox = new RecordingOutbox();
  const enqueued = outbox.messages;
  const config = makeConfig({
    mattermost: { token: "t", username: "ci-bot" },
    repos: {
      app: { url: "/x.git", commands: ["make test"], secrets: { API_KEY: "hunter2-secret" }, ...repoExtra },
    },
  });
  const notifier = new OutboxStatusNotifier(outbox, config, {
    formatter: webhookFormatter(config),
    filter: repoNotifyFilter(config),
    ...(logs ? { logs } : {}),
  });
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

  it("builds a failure excerpt from a bounded window at the end of a log far larger than it", async () => {
    const dir = await makeTempDir();
    try {
      const logs = new LogFiles(dir);
      await mkdir(logs.dirFor(12), { recursive: true });
      // An error-looking line at the very start, then 4x the window of output, then the real end.
      const filler = `${"building...".padEnd(99, ".")}\n`.repeat((4 * EXCERPT_WINDOW_BYTES) / 100);
      await writeFile(
        path.join(logs.dirFor(12), "0.log"),
        `fatal: FAR-AWAY-START\n${filler}error: NEAR-THE-END\nmake: *** Error 2\n`,
      );
      const { notifier, enqueued } = setup({}, logs);
      const step = {
        index: 0,
        name: "make test",
        status: "failed" as const,
        exitCode: 2,
        startedAt: 1,
        finishedAt: 2,
      };
      notifier.buildFinished(makeBuild({ status: "failed", finishedAt: 1_020_000, steps: [step] }));
      await notifier.settled();
      const text = (enqueued[0]?.payload as IncomingWebhookRequest | undefined)?.attachments?.[0]?.text ?? "";
      expect(text).toContain("error: NEAR-THE-END");
      expect(text).toContain("make: *** Error 2");
      // The start of the log lies outside the bounded scan: it was never read.
      expect(text).not.toContain("FAR-AWAY-START");
    } finally {
      await removeDir(dir);
    }
  });
});
