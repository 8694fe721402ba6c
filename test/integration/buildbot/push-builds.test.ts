import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { FakeForge, sendWebhook } from "../../fakes/fake-forge.js";
import { buildFinished } from "../../helpers/build-finished.js";
import { type BuildbotApp, startBuildbotApp } from "../../helpers/buildbot-app.js";
import { createTestRepo, type TestRepo } from "../../helpers/buildbot-git-repo.js";
import { describeWithBuildbot } from "../../helpers/buildbot-harness.js";
import { FULL_NAME, githubPull, githubPush, SECRET } from "../forges/forge-app.js";

/**
 * Builds on push for a repo on Buildbot: the whole service (createApp) with a real master and
 * worker, the fake Git host and the fake Mattermost. The push goes through the same force path
 * as /build, so Buildbot's own GitHub hook is not needed.
 */

let repo: TestRepo;
let forge: FakeForge;
let bb: BuildbotApp;

describeWithBuildbot("build on push, on a real Buildbot master", () => {
  beforeAll(async () => {
    repo = createTestRepo();
    forge = await FakeForge.start();
    bb = await startBuildbotApp({
      name: "slashbuild-bb-push-",
      token: "slash-token-0123456789",
      buildbot: { follow_interval: "500ms" },
      config: {
        forges: {
          github: { api_url: forge.apiUrl("github"), token: "t0ken-0123456789", webhook_secret: SECRET },
        },
        repos: {
          app: {
            url: repo.dir,
            full_name: FULL_NAME,
            backend: "buildbot",
            // The second command succeeds only with the repo's secret in the environment.
            commands: ["git rev-parse HEAD", 'test -n "$DEPLOY_KEY"'],
            secrets: { DEPLOY_KEY: "deploy-key-value-0123456789" },
            on: { push: ["main"], pull_request: true },
          },
        },
      },
    });
  });

  afterAll(async () => {
    await bb?.close();
    await forge?.close();
    repo?.close();
  });

  it("a push builds exactly the pushed commit on Buildbot, with pending and final statuses", async () => {
    // `first` is not the tip of main: the build must be of the pushed commit all the same.
    const answer = await sendWebhook(
      `${bb.url}/hooks/github`,
      "github",
      "push",
      githubPush("main", repo.first),
      SECRET,
    );
    expect(answer.status).toBe(202);
    const id = (answer.body.builds as number[])[0] as number;
    const done = await buildFinished(bb.app, id, { timeout: 90_000, interval: 200 });
    expect(done).toMatchObject({
      status: "succeeded",
      sha: repo.first,
      backend: "buildbot",
      requester: "carol-gh",
    });
    await vi.waitFor(
      () =>
        expect(forge.accepted().map((call) => [call.sha, call.body.state])).toEqual([
          [repo.first, "pending"],
          [repo.first, "success"],
        ]),
      { timeout: 30_000, interval: 100 },
    );
  }, 120_000);

  it("a pull request whose head is on no branch builds that exact sha on Buildbot (refs/pull/N/head)", async () => {
    // As on GitHub: the PR's commit reaches the base repo only as refs/pull/7/head.
    const git = (...args: string[]) =>
      execFileSync("git", args, {
        cwd: repo.dir,
        encoding: "utf8",
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "pr",
          GIT_AUTHOR_EMAIL: "pr@example.org",
          GIT_COMMITTER_NAME: "pr",
          GIT_COMMITTER_EMAIL: "pr@example.org",
        },
      }).trim();
    const head = git("commit-tree", `${repo.tip}^{tree}`, "-p", repo.tip, "-m", "Add caching");
    git("update-ref", "refs/pull/7/head", head);
    expect(git("branch", "--contains", head)).toBe("");

    const answer = await sendWebhook(
      `${bb.url}/hooks/github`,
      "github",
      "pull_request",
      githubPull(7, head, false),
      SECRET,
    );
    expect(answer.status).toBe(202);
    const id = (answer.body.builds as number[])[0] as number;
    const done = await buildFinished(bb.app, id, { timeout: 90_000, interval: 200 });
    expect(done).toMatchObject({
      status: "succeeded",
      sha: head,
      branch: "pull/7",
      backend: "buildbot",
      requester: "Codertocat",
    });
    await vi.waitFor(
      () =>
        expect(
          forge
            .accepted()
            .filter((call) => call.sha === head)
            .map((call) => call.body.state),
        ).toEqual(["pending", "success"]),
      { timeout: 30_000, interval: 100 },
    );

    // The same head as a fork's PR builds too, but without the repo's secrets: the step that
    // needs DEPLOY_KEY fails (the same-repo PR above passed it).
    const fork = await sendWebhook(
      `${bb.url}/hooks/github`,
      "github",
      "pull_request",
      githubPull(7, head, true),
      SECRET,
    );
    expect(fork.status).toBe(202);
    const forkId = (fork.body.builds as number[])[0] as number;
    const forkDone = await buildFinished(bb.app, forkId, { timeout: 90_000, interval: 200 });
    expect(forkDone).toMatchObject({ status: "failed", sha: head, failingStep: 'test -n "$DEPLOY_KEY"' });
  }, 120_000);
});
