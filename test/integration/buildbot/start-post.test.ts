import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { buildFinished } from "../../helpers/build-finished.js";
import { type BuildbotApp, startBuildbotApp } from "../../helpers/buildbot-app.js";
import { createTestRepo, type TestRepo } from "../../helpers/buildbot-git-repo.js";
import { describeWithBuildbot } from "../../helpers/buildbot-harness.js";

/**
 * Issue 22 item 15: a Buildbot build shorter than slashbuild's poll, as docs/chat.md ("When a build
 * gets no start post") describes it. The master's HttpStatusPush says only that it started and that
 * it ended; the commit comes from the checkout, read at the poll, here a minute apart. The build is
 * first seen finished: its finish post alone goes out, with the commit and the duration. (A build
 * the poll sees running gets its start post first: buildbot-backend.test.ts.)
 */

const TOKEN = "slash-token-0123456789";
let repo: TestRepo;
let bb: BuildbotApp;

describeWithBuildbot("a short build on a real Buildbot master", () => {
  beforeAll(async () => {
    repo = createTestRepo();
    bb = await startBuildbotApp({
      name: "slashbuild-bb-start-",
      token: TOKEN,
      // Longer than the whole build: only the master's pushes can tell slashbuild about it.
      buildbot: { follow_interval: "60s", reconcile_interval: "60s" },
      config: { repos: { app: { url: repo.dir, backend: "buildbot", commands: ["true"] } } },
    });
  });

  afterAll(async () => {
    await bb?.close();
    repo?.close();
  });

  it("gets only its finish post, which names the commit built and the duration, as the docs say", async () => {
    const answer = await sendSlashCommand({
      url: `${bb.url}/mattermost/command`,
      token: TOKEN,
      text: "app",
      user: { id: "uid-alice", name: "alice" },
      channel: { id: "chan-ci", name: "ci" },
    });
    expect(answer.ok).toBe(true);
    const done = await buildFinished(bb.app, 1, { timeout: 90_000, interval: 200 });
    expect(done).toMatchObject({ status: "succeeded", sha: repo.tip, backend: "buildbot" });
    await vi.waitFor(() => expect(bb.app.outbox.pendingCount()).toBe(0), { timeout: 30_000, interval: 100 });
    const posts = bb.mattermost.postsIn("ci").map((post) => JSON.stringify(post));
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatch(/succeeded after \d/);
    expect(posts[0]).toContain(repo.tip.slice(0, 10));
    // Seen finished at once: the start was never announced by itself.
    expect(posts[0]).not.toMatch(/ started /);
  }, 120_000);
});
