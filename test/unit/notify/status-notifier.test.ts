import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LogFiles } from "../../../src/backends/local/log-files.js";
import type { LogTailSource } from "../../../src/core/ports.js";
import { EXCERPT_WINDOW_BYTES } from "../../../src/notify/failure-excerpt.js";
import { OutboxStatusNotifier } from "../../../src/notify/status-notifier.js";
import { type FakePayload, FakeStatusFormatter } from "../../fakes/fake-status-formatter.js";
import { makeBuild } from "../../fakes/make-build.js";
import { RecordingOutbox } from "../../fakes/recording-outbox.js";
import { makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { makeConfig } from "../../helpers/make-config.js";

/** The notifier over the outbox, through a formatter that is no sink's (test/fakes/fake-status-formatter.ts). */

const SECRET = "hunter2-secret";

function setup(options: { logs?: LogTailSource; silent?: FakePayload["moment"][]; secrets?: string[] } = {}) {
  const outbox = new RecordingOutbox();
  const config = makeConfig({
    repos: { app: { url: "/x.git", commands: ["make test"], secrets: { API_KEY: SECRET } } },
  });
  const formatter = new FakeStatusFormatter(options.silent);
  const notifier = new OutboxStatusNotifier(outbox, config, {
    formatter,
    ...(options.logs ? { logs: options.logs } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  const payloads = () => outbox.messages.map((m) => m.payload as FakePayload);
  return { notifier, outbox, formatter, payloads };
}

const failingStep = {
  index: 0,
  name: "make test",
  status: "failed" as const,
  exitCode: 2,
  startedAt: 1,
  finishedAt: 2,
};
const failed = makeBuild({
  status: "failed",
  finishedAt: 1_020_000,
  failingStep: "make test",
  steps: [failingStep],
});

describe("OutboxStatusNotifier", () => {
  it("stores what the sink's formatter says at each moment, in order, under the build's id", () => {
    const { notifier, outbox } = setup();
    notifier.buildQueued(makeBuild({ status: "queued" }));
    notifier.buildStarted(makeBuild());
    notifier.buildProgressed(makeBuild());
    notifier.buildFinished(makeBuild({ status: "succeeded", finishedAt: 1_052_000 }));
    expect(outbox.messages.map((m) => [m.buildId, m.kind])).toEqual([
      [12, "queued"],
      [12, "started"],
      [12, "progressed"],
      [12, "finished"],
    ]);
  });

  it("stores nothing when the sink says nothing at a moment", () => {
    const { notifier, outbox, formatter } = setup({ silent: ["queued", "progressed"] });
    notifier.buildQueued(makeBuild({ status: "queued" }));
    notifier.buildProgressed(makeBuild());
    expect(formatter.calls).toEqual([
      ["queued", 12],
      ["progressed", 12],
    ]);
    expect(outbox.messages).toEqual([]);
  });

  it("masks the repo's secrets in whatever the formatter put in a message", () => {
    const { notifier, outbox } = setup();
    notifier.buildFinished(
      makeBuild({ status: "failed", failingStep: `deploy --key ${SECRET}`, finishedAt: 1 }),
    );
    expect(JSON.stringify(outbox.messages)).not.toContain("hunter2");
    expect(outbox.messages[0]?.payload).toMatchObject({ failingStep: "deploy --key ****" });
  });

  it("masks every secret it is given, not only the repo's", () => {
    const { notifier, outbox } = setup({ secrets: ["the-slash-token-value"] });
    notifier.buildFinished(
      makeBuild({ status: "failed", reason: "the-slash-token-value leaked", finishedAt: 1 }),
    );
    expect(JSON.stringify(outbox.messages)).not.toContain("the-slash-token-value");
  });

  it("stores a failure's finish as a draft at once and completes it with the excerpt, masked", async () => {
    const logs: LogTailSource = {
      readTail: async () => ({ text: `using ${SECRET}\nerror: 2 tests failed\n`, complete: true }),
    };
    const { notifier, outbox, payloads } = setup({ logs });
    notifier.buildFinished(failed);
    expect(outbox.messages.map((m) => [m.kind, m.draft])).toEqual([["finished", true]]);
    await notifier.settled();
    expect(outbox.messages.map((m) => [m.kind, m.draft])).toEqual([["finished", undefined]]);
    expect(payloads()[0]?.excerpt).toContain("make test: ");
    expect(payloads()[0]?.excerpt).toContain("error: 2 tests failed");
    expect(JSON.stringify(outbox.messages)).not.toContain(SECRET);
  });

  it("a log that cannot be read still gives the finish, without an excerpt", async () => {
    const broken: LogTailSource = { readTail: async () => Promise.reject(new Error("EIO")) };
    const { notifier, payloads } = setup({ logs: broken });
    notifier.buildFinished(failed);
    await notifier.settled();
    expect(payloads()).toMatchObject([{ moment: "finished", excerpt: null }]);
  });

  it("completes the drafts a crash left, at the next start, reading the log again", async () => {
    const logs: LogTailSource = { readTail: async () => ({ text: "error: late\n", complete: true }) };
    const { notifier, outbox, payloads } = setup({ logs });
    // What a crash between the state change and the log read leaves: the finish, stored as a draft.
    outbox.enqueue({ buildId: 12, kind: "finished", payload: "text without the excerpt", draft: true });
    notifier.resumeDrafts((id) => (id === 12 ? failed : undefined));
    await notifier.settled();
    expect(outbox.messages[0]?.draft).toBeUndefined();
    expect(payloads()[0]?.excerpt).toContain("error: late");
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
      const { notifier, payloads } = setup({ logs });
      notifier.buildFinished(failed);
      await notifier.settled();
      const text = payloads()[0]?.excerpt ?? "";
      expect(text).toContain("error: NEAR-THE-END");
      expect(text).toContain("make: *** Error 2");
      // The start of the log lies outside the bounded scan: it was never read.
      expect(text).not.toContain("FAR-AWAY-START");
    } finally {
      await removeDir(dir);
    }
  });
});
