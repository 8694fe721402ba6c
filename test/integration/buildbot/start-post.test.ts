import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import { type App, createApp } from "../../../src/app.js";
import { generateMasterCfg } from "../../../src/backends/buildbot/generate-master-cfg.js";
import type { BuildbotConfig } from "../../../src/config/buildbot-schema.js";
import type { Config } from "../../../src/config/config.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { createTestRepo, type TestRepo } from "../../helpers/buildbot-git-repo.js";
import { type BuildbotHarness, describeWithBuildbot, startBuildbot } from "../../helpers/buildbot-harness.js";
import { makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { freePort } from "../../helpers/service-process.js";

/**
 * Issue 22 item 15: a Buildbot build shorter than slashbuild's poll, as docs/chat.md ("When a build
 * gets no start post") describes it. The master's HttpStatusPush says only that it started and that
 * it ended; the commit comes from the checkout, read at the poll, here a minute apart. The build is
 * first seen finished: its finish post alone goes out, with the commit and the duration. (A build
 * the poll sees running gets its start post first: buildbot-backend.test.ts.)
 */

const TOKEN = "slash-token-0123456789";
let repo: TestRepo;
let mattermost: FakeMattermost;
let harness: BuildbotHarness;
let app: App;
let dir: string;
let url: string;

describeWithBuildbot("a short build on a real Buildbot master", () => {
  beforeAll(async () => {
    repo = createTestRepo();
    mattermost = await FakeMattermost.start();
    dir = await makeTempDir("slashbuild-bb-start-");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    let config: Config | null = null;
    harness = await startBuildbot({
      user: { name: "slashbuild", password: "bb-pass" },
      masterCfg: (ports) => {
        config = parseConfig(
          stringify({
            listen: `127.0.0.1:${port}`,
            public_url: url,
            data_dir: dir,
            log_level: "silent",
            mattermost: { token: TOKEN, webhook_url: mattermost.addIncomingWebhook("ci") },
            delivery: { initial_backoff: "50ms", max_backoff: "500ms" },
            buildbot: {
              url: ports.url,
              username: "slashbuild",
              password: "bb-pass",
              status_secret: "status-secret-0123456789",
              // Longer than the whole build: only the master's pushes can tell slashbuild about it.
              follow_interval: "60s",
              reconcile_interval: "60s",
              workers: [{ name: ports.workerName, password: ports.workerPassword }],
              worker_port: ports.workerPort,
            },
            repos: { app: { url: repo.dir, backend: "buildbot", commands: ["true"] } },
          }),
          { baseDir: dir, env: {} },
        );
        return generateMasterCfg(config, config.buildbot as BuildbotConfig);
      },
    });
    app = await createApp(config as unknown as Config);
    await app.start();
    await app.server.listen({ host: "127.0.0.1", port });
  });

  afterAll(async () => {
    await app?.close();
    await harness?.close();
    await mattermost?.close();
    repo?.close();
    if (dir) await removeDir(dir);
  });

  it("gets only its finish post, which names the commit built and the duration, as the docs say", async () => {
    const answer = await sendSlashCommand({
      url: `${url}/mattermost/command`,
      token: TOKEN,
      text: "app",
      user: { id: "uid-alice", name: "alice" },
      channel: { id: "chan-ci", name: "ci" },
    });
    expect(answer.ok).toBe(true);
    const done = await vi.waitFor(
      () => {
        const build = app.service.findBuild(1);
        if (!build || build.finishedAt === null) throw new Error("not finished");
        return build;
      },
      { timeout: 90_000, interval: 200 },
    );
    expect(done).toMatchObject({ status: "succeeded", sha: repo.tip, backend: "buildbot" });
    await vi.waitFor(() => expect(app.outbox.pendingCount()).toBe(0), { timeout: 30_000, interval: 100 });
    const posts = mattermost.postsIn("ci").map((post) => JSON.stringify(post));
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatch(/succeeded after \d/);
    expect(posts[0]).toContain(repo.tip.slice(0, 10));
    // Seen finished at once: the start was never announced by itself.
    expect(posts[0]).not.toMatch(/ started /);
  }, 120_000);
});
