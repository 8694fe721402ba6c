import { afterEach, describe, expect, it, vi } from "vitest";
import type { AppDeps } from "../../../src/app.js";
import type { Build } from "../../../src/core/build.js";
import { defineForgeHosts } from "../../../src/forges/forge-host.js";
import { FORGE_HOSTS } from "../../../src/forges/forge-hosts.js";
import type { FakeForge } from "../../fakes/fake-forge.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { tinyforgeHost } from "../../fakes/tinyforge/tinyforge-host.js";
import { startTinyforge, tinyforgeFixture, tinyforgeHeaders } from "../../fakes/tinyforge/tinyforge-wire.js";
import { buildFinished } from "../../helpers/build-finished.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { type ForgeApp, type Reuse, SECRET, startForgeApp } from "./forge-app.js";

/**
 * The recipe "Add a Git host" (docs/architecture.md), proved: Tinyforge, a fourth host that lives
 * in the test tree (test/fakes/tinyforge/tinyforge-host.ts), is added to the one host list and
 * nothing else. A webhook it signs its own way starts a build, its "review" builds the head it
 * publishes under its own refs, the post uses its words, and the statuses go to its own API.
 */

const TOKEN = "tinyforge-token-0123456789";
const WAIT = { timeout: 30_000, interval: 50 };

let env: ForgeApp | null = null;
let peers: Reuse | null = null;

afterEach(async () => {
  if (env) await env.close();
  else if (peers) {
    await peers.forge.close();
    await peers.mattermost.close();
    await peers.repo.remove();
    await removeDir(peers.dir);
  }
  env = null;
  peers = null;
});

async function startPeers(): Promise<Reuse & { forge: FakeForge }> {
  const started = {
    forge: await startTinyforge(),
    mattermost: await FakeMattermost.start(),
    repo: await GitRepoFixture.create(),
    dir: await makeTempDir("slashbuild-tinyforge-"),
  };
  peers = started;
  return started;
}

function start(reuse: Reuse & { forge: FakeForge }, deps: AppDeps): Promise<ForgeApp> {
  return startForgeApp(
    { forge: "tinyforge", full_name: "acme/app", on: { push: ["main"], pull_request: true } },
    {
      forges: {
        tinyforge: { api_url: reuse.forge.apiUrl("tinyforge"), token: TOKEN, webhook_secret: SECRET },
      },
    },
    reuse,
    deps,
  );
}

async function hook(app: ForgeApp, event: string, payload: unknown, secret: string | null = SECRET) {
  const body = JSON.stringify(payload);
  const response = await fetch(`${app.url}/hooks/tinyforge`, {
    method: "POST",
    headers: tinyforgeHeaders(event, body, secret),
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function finished(app: ForgeApp, answer: { body: Record<string, unknown> }): Promise<Build> {
  const id = (answer.body.builds as number[])[0];
  expect(typeof id).toBe("number");
  return buildFinished(app.app, id as number, WAIT);
}

describe("a fourth Git host, added through the host list", () => {
  it("is refused at start-up while it is not in the list: the config names a host slashbuild does not serve", async () => {
    const reuse = await startPeers();
    await expect(start(reuse, {})).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("forges.tinyforge: slashbuild serves no Git host named tinyforge"),
    });
  });

  it("in the list: its signed push builds, and the statuses go to its own API in its own words", async () => {
    const reuse = await startPeers();
    env = await start(reuse, { forgeHosts: defineForgeHosts({ ...FORGE_HOSTS, tinyforge: tinyforgeHost }) });
    const sha = await env.repo.commit({ message: "Ship the cache" });
    const payload = tinyforgeFixture("push");
    const push = { ...payload, head: sha, commits: [{ ...(payload.commits as object[])[0], id: sha }] };

    expect(await hook(env, "push", push, "guessed-secret-0123456789")).toMatchObject({
      status: 401,
      body: { error: "WEBHOOK_SIGNATURE_INVALID" },
    });
    const answer = await hook(env, "push", push);
    expect(answer.status).toBe(202);
    const build = await finished(env, answer);
    expect(build).toMatchObject({ status: "succeeded", sha, branch: "main", requester: "carol" });
    await vi.waitFor(
      () =>
        expect(reuse.forge.accepted().map((c) => [c.kind, c.repo, c.sha, c.auth, c.body.result])).toEqual([
          ["tinyforge", "acme/app", sha, TOKEN, "running"],
          ["tinyforge", "acme/app", sha, TOKEN, "passed"],
        ]),
      WAIT,
    );
  });

  it("its review builds the head it publishes under refs/reviews/<n>/head, announced in its words", async () => {
    const reuse = await startPeers();
    env = await start(reuse, { forgeHosts: defineForgeHosts({ ...FORGE_HOSTS, tinyforge: tinyforgeHost }) });
    // A head reachable only from the host's review ref, as a fork's is.
    const head = await env.repo.commit({ branch: "review-work", message: "Add caching" });
    await env.repo.git("update-ref", "refs/reviews/4/head", head);
    await env.repo.git("checkout", "--quiet", "main");
    await env.repo.deleteBranch("review-work");
    const payload = tinyforgeFixture("review");
    const review = { ...payload, review: { ...(payload.review as object), head } };

    const build = await finished(env, await hook(env, "review", review));
    expect(build).toMatchObject({ status: "succeeded", sha: head, branch: "pull/4", requester: "dave" });
    const posts = await vi.waitFor(() => {
      const text = JSON.stringify(env?.mattermost.posts);
      if (!text.includes("Review")) throw new Error("not posted yet");
      return text;
    }, WAIT);
    expect(posts).toContain("Review [R4 Add caching](https://tinyforge.example/acme/app/reviews/4) by dave");
  });
});
