import { afterEach, describe, expect, it, vi } from "vitest";
import type { Build } from "../../../src/core/build.js";
import { type ForgeApp, githubPull, githubPush, startForgeApp } from "./forge-app.js";

let env: ForgeApp | null = null;

afterEach(async () => {
  await env?.close();
  env = null;
});

const WAIT = { timeout: 30_000, interval: 50 };
const DEPLOY_KEY = "deploy-key-value-7f3a9c";

async function finished(app: ForgeApp, id: number): Promise<Build> {
  return vi.waitFor(() => {
    const build = app.app.service.findBuild(id);
    if (!build || build.finishedAt === null) throw new Error(`build ${id} not finished`);
    return build;
  }, WAIT);
}

describe("pull requests", () => {
  // The build succeeds only if DEPLOY_KEY is empty, and prints what it saw.
  const probe = ['echo "key=[$DEPLOY_KEY]"', 'test -z "$DEPLOY_KEY"'];

  it("a fork's PR builds its head sha without the repo's secrets; a same-repo PR gets them", async () => {
    env = await startForgeApp({ commands: probe, secrets: { DEPLOY_KEY } });
    // The fork's commit reaches the base repo only as refs/pull/<n>/head, as on GitHub.
    const head = await env.repo.commit({ branch: "mallory-work", message: "Add caching" });
    await env.repo.git("update-ref", "refs/pull/5/head", head);
    await env.repo.git("checkout", "--quiet", "main");
    await env.repo.deleteBranch("mallory-work");

    const fork = await env.hook("github", "pull_request", githubPull(5, head, true));
    expect(fork.status).toBe(202);
    const forkBuild = await finished(env, (fork.body.builds as number[])[0] as number);
    expect(forkBuild).toMatchObject({
      status: "succeeded",
      sha: head,
      branch: "pull/5",
      requester: "Codertocat",
    });
    const log = await env.app.local.logs.read(forkBuild, 0);
    expect(log).toContain("key=[]");

    // Control (the attack without the defence): the same head as a same-repo PR sees the secret.
    const own = await env.hook("github", "pull_request", githubPull(5, head, false));
    const ownBuild = await finished(env, (own.body.builds as number[])[0] as number);
    expect(ownBuild.status).toBe("failed");
    const ownLog = await env.app.local.logs.read(ownBuild, 0);
    // Present, and masked in the log.
    expect(ownLog).not.toContain(DEPLOY_KEY);
    expect(ownLog).not.toContain("key=[]");

    const posts = JSON.stringify(env.mattermost.posts);
    expect(posts).toContain("Pull request [#5 Add caching](https://github.com/acme/app/pull/5)");
    expect(posts).toContain("from a fork");
  });
});

describe("commit statuses while the Git host misbehaves", () => {
  it("down, then 500, then rate-limited (403 + x-ratelimit-*): every status arrives exactly once, in order", async () => {
    env = await startForgeApp();
    env.forge.setDown(true);
    const one = await env.repo.commit();
    const first = (await env.hook("github", "push", githubPush("main", one))).body.builds as number[];
    await finished(env, first[0] as number);
    // Nothing got through, nothing is lost: both statuses wait in the outbox.
    expect(env.forge.accepted()).toEqual([]);
    await vi.waitFor(() => expect(env?.app.statusOutbox.pendingCount()).toBe(2), WAIT);

    env.forge.script.push(
      { status: 500, body: '{"message":"Server Error"}' },
      {
        status: 403,
        headers: {
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 1),
        },
        body: '{"message":"API rate limit exceeded"}',
      },
    );
    env.forge.setDown(false);
    await vi.waitFor(() => expect(env?.app.statusOutbox.pendingCount()).toBe(0), WAIT);
    expect(env.forge.calls.map((call) => call.answered)).toEqual([500, 403, 201, 201]);
    expect(env.forge.accepted().map((call) => [call.sha, call.body.state])).toEqual([
      [one, "pending"],
      [one, "success"],
    ]);
  });

  it("statuses stored while the host is down survive a restart and then arrive exactly once", async () => {
    const first = await startForgeApp();
    env = first;
    first.forge.setDown(true);
    const sha = await first.repo.commit();
    const ids = (await first.hook("github", "push", githubPush("main", sha))).body.builds as number[];
    await finished(first, ids[0] as number);
    await vi.waitFor(() => expect(first.app.statusOutbox.pendingCount()).toBe(2), WAIT);
    // The process ends with both statuses undelivered; the host comes back while it is down.
    await first.stopService();
    first.forge.setDown(false);
    expect(first.forge.accepted()).toEqual([]);
    const second = await startForgeApp({}, {}, first);
    env = second;
    await vi.waitFor(() => expect(second.app.statusOutbox.pendingCount()).toBe(0), WAIT);
    expect(second.forge.accepted().map((call) => [call.sha, call.body.state])).toEqual([
      [sha, "pending"],
      [sha, "success"],
    ]);
  });

  it("a /build typed in chat gets statuses too, once its commit is resolved", async () => {
    env = await startForgeApp();
    const tip = await env.repo.commit();
    const { build } = await env.app.service.requestBuild({
      repo: "app",
      branch: "main",
      revision: null,
      user: { id: "uid-alice", name: "alice" },
      channel: { id: "chan", name: "ci" },
    });
    await finished(env, build.id);
    await vi.waitFor(
      () =>
        expect(env?.forge.accepted().map((call) => [call.sha, call.body.state])).toEqual([
          [tip, "pending"],
          [tip, "success"],
        ]),
      WAIT,
    );
  });
});
