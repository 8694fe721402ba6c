import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Build } from "../../../src/core/build.js";
import { makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { githubExamples } from "../../helpers/github-examples.js";
import { type ForgeApp, FULL_NAME, githubPush, SECRET, startForgeApp, TOKEN } from "./forge-app.js";

/**
 * Builds on push and pull request, end to end inside one process: a signed webhook from the fake
 * Git host, a real build on the embedded runner, posts to the fake Mattermost and commit statuses
 * back to the fake host.
 */

let env: ForgeApp | null = null;

afterEach(async () => {
  await env?.close();
  env = null;
});

const WAIT = { timeout: 30_000, interval: 50 };

async function finished(app: ForgeApp, id: number): Promise<Build> {
  return vi.waitFor(() => {
    const build = app.app.service.findBuild(id);
    if (!build || build.finishedAt === null) throw new Error(`build ${id} not finished`);
    return build;
  }, WAIT);
}

function states(app: ForgeApp, sha: string): string[] {
  return app.forge
    .accepted()
    .filter((call) => call.sha === sha)
    .map((call) => call.body.state ?? "");
}

describe("push → build → chat → commit statuses", () => {
  it("builds exactly the pushed sha, says who pushed what, and sets pending then success on the commit", async () => {
    env = await startForgeApp();
    const pushed = await env.repo.commit({ message: "Make it faster\n\nLonger explanation." });
    // The branch moves on before the webhook arrives: the build must still be of the pushed commit.
    await env.repo.commit({ message: "later commit" });

    const answer = await env.hook("github", "push", githubPush("main", pushed));
    expect(answer.status).toBe(202);
    const [id] = answer.body.builds as number[];
    expect(typeof id).toBe("number");
    const build = await finished(env, id as number);
    expect(build).toMatchObject({ status: "succeeded", sha: pushed, branch: "main", requester: "carol-gh" });
    expect(build.requesterId).toBe("github:carol-gh");

    await vi.waitFor(() => expect(states(env as ForgeApp, pushed)).toEqual(["pending", "success"]), WAIT);
    for (const call of env.forge.accepted()) {
      expect(call).toMatchObject({ kind: "github", repo: FULL_NAME, auth: `Bearer ${TOKEN}` });
      expect(call.body).toMatchObject({ context: "ci/slashbuild", target_url: `${env.url}/builds/${id}` });
    }

    const posts = await vi.waitFor(() => {
      const found = (env as ForgeApp).mattermost.posts;
      if (found.length < 2) throw new Error("posts not there yet");
      return found;
    }, WAIT);
    const started = JSON.stringify(posts[0]);
    expect(started).toContain("Pushed by carol-gh");
    // A forge login is not a Mattermost user: named, never @-mentioned, on the start post.
    expect(posts[0]?.message).not.toContain("@carol-gh");
    expect(started).toContain(pushed.slice(0, 7));
    expect(started).toContain("Make it faster");
    expect(started).not.toContain("Longer explanation");
    expect(started).toContain(`https://github.com/${FULL_NAME}/compare/`);
  });

  it("a failed pushed build @-mentions the commit authors mapped from their email", async () => {
    env = await startForgeApp({ commands: ["false"] });
    const pushed = await env.repo.commit();
    const answer = await env.hook("github", "push", githubPush("main", pushed));
    const build = await finished(env, (answer.body.builds as number[])[0] as number);
    expect(build.status).toBe("failed");
    const finish = await vi.waitFor(() => {
      const post = (env as ForgeApp).mattermost.posts.find((p) => p.message.includes("failed"));
      if (!post) throw new Error("no finish post yet");
      return post;
    }, WAIT);
    // carol@example.com maps to carol.mm; the first failure of the branch broke it.
    expect(finish.message).toContain("Broken by @carol.mm");
    await vi.waitFor(() => expect(states(env as ForgeApp, pushed)).toEqual(["pending", "failure"]), WAIT);
  });

  it("an unmapped author falls back to the pusher's login", async () => {
    env = await startForgeApp({ commands: ["false"] });
    const pushed = await env.repo.commit();
    const answer = await env.hook(
      "github",
      "push",
      githubPush("main", pushed, { authorEmail: "nobody@example.com", pusher: "dave" }),
    );
    await finished(env, (answer.body.builds as number[])[0] as number);
    const finish = await vi.waitFor(() => {
      const post = (env as ForgeApp).mattermost.posts.find((p) => p.message.includes("failed"));
      if (!post) throw new Error("no finish post yet");
      return post;
    }, WAIT);
    expect(finish.message).toContain("@dave");
  });
});

describe("what is not built", () => {
  it("a forged or missing signature gets 401 and changes nothing; a signed ping gets 200", async () => {
    env = await startForgeApp();
    const pushed = await env.repo.commit();
    const payload = githubPush("main", pushed);
    expect((await env.hook("github", "push", payload, "forged-secret-0123456789")).status).toBe(401);
    expect((await env.hook("github", "push", payload, null)).status).toBe(401);
    expect(env.app.service.listBuilds()).toEqual([]);
    expect(env.forge.calls).toEqual([]);
    const ping = githubExamples("ping")[0];
    expect((await env.hook("github", "ping", ping)).status).toBe(200);
    // Control: the same payload, signed with the real secret, does build.
    expect((await env.hook("github", "push", payload, SECRET)).body.builds).toHaveLength(1);
  });

  it("[skip ci] in the head commit, an unconfigured branch, an unknown repo: 202 and no build", async () => {
    env = await startForgeApp();
    const pushed = await env.repo.commit();
    const skipped = await env.hook(
      "github",
      "push",
      githubPush("main", pushed, { message: "Docs only [skip ci]" }),
    );
    expect(skipped.status).toBe(202);
    expect(skipped.body.ignored).toEqual([expect.stringContaining("[skip ci]")]);
    const feature = await env.hook("github", "push", githubPush("feature/x", pushed));
    expect(feature.body.ignored).toEqual([expect.stringContaining("not built on push to branch feature/x")]);
    const other = githubPush("main", pushed) as { repository: Record<string, unknown> };
    other.repository = {
      ...other.repository,
      full_name: "acme/other",
      clone_url: "https://github.com/acme/other.git",
      ssh_url: null,
      html_url: null,
    };
    const unknown = await env.hook("github", "push", other);
    expect(unknown.status).toBe(202);
    expect(env.app.service.listBuilds()).toEqual([]);
    // Control: without the marker the same push builds.
    expect((await env.hook("github", "push", githubPush("main", pushed))).body.builds).toHaveLength(1);
  });
});

describe("supersede", () => {
  it("a newer push replaces the still-queued older build of the branch", async () => {
    const gateDir = await makeTempDir("slashbuild-gate-");
    const gate = path.join(gateDir, "gate");
    // The build is sandboxed as an unprivileged uid: it sees the gate folder only where granted.
    await chmod(gateDir, 0o755);
    const app = await startForgeApp(
      { commands: [`while [ ! -f "${gate}" ]; do sleep 0.05; done`] },
      { runner: { read_only_paths: [gateDir] } },
    );
    env = app;
    try {
      const a = await app.repo.commit();
      const first = (await app.hook("github", "push", githubPush("main", a))).body.builds as number[];
      await vi.waitFor(
        () => expect(app.app.service.findBuild(first[0] as number)?.status).toBe("running"),
        WAIT,
      );
      const b = await app.repo.commit();
      const second = (await app.hook("github", "push", githubPush("main", b))).body.builds as number[];
      const c = await app.repo.commit();
      const third = (await app.hook("github", "push", githubPush("main", c))).body.builds as number[];

      const replaced = await finished(app, second[0] as number);
      expect(replaced).toMatchObject({ status: "cancelled", reason: `superseded by #${third[0]}` });
      await writeFile(gate, "");
      expect((await finished(app, first[0] as number)).status).toBe("succeeded");
      expect((await finished(app, third[0] as number)).status).toBe("succeeded");
      await vi.waitFor(() => expect(states(app, b)).toEqual(["pending", "error"]), WAIT);
      // Markdown-escaped in the post: "superseded by \\#3".
      expect(
        app.mattermost.posts.some((p) => JSON.stringify(p).includes(`superseded by \\\\#${third[0]}`)),
      ).toBe(true);
    } finally {
      await removeDir(gateDir);
    }
  });
});
