import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Build } from "../../../src/core/build.js";
import { FakeForge } from "../../fakes/fake-forge.js";
import { buildFinished } from "../../helpers/build-finished.js";
import { type ForgeApp, SECRET, startForgeApp } from "./forge-app.js";

/**
 * Gitea/Forgejo pull requests and GitLab merge requests end to end: the fake host sends the signed,
 * documented payload; slashbuild builds the head sha, which lives only under the host's PR ref
 * (refs/pull/<n>/head on Gitea, refs/merge-requests/<n>/head on GitLab), posts the PR's number,
 * title and link, and sets pending and final statuses through that host's API.
 */

let env: ForgeApp | null = null;
let forge: FakeForge | null = null;

afterEach(async () => {
  await env?.close();
  await forge?.close();
  env = null;
  forge = null;
});

const WAIT = { timeout: 30_000, interval: 50 };

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/forges/${name}`, import.meta.url), "utf8"));
}

/** A commit reachable only from `ref` in the origin repo, as a PR head is on the host. */
async function headOnlyUnder(app: ForgeApp, ref: string, message: string): Promise<string> {
  const head = await app.repo.commit({ branch: "pr-work", message });
  await app.repo.git("update-ref", ref, head);
  await app.repo.git("checkout", "--quiet", "main");
  await app.repo.deleteBranch("pr-work");
  return head;
}

async function finished(app: ForgeApp, answer: { body: Record<string, unknown> }): Promise<Build> {
  const id = (answer.body.builds as number[])[0];
  expect(typeof id).toBe("number");
  return buildFinished(app.app, id as number, WAIT);
}

async function postsMentioning(app: ForgeApp, text: string): Promise<string> {
  return vi.waitFor(() => {
    const posts = JSON.stringify(app.mattermost.posts);
    if (app.mattermost.posts.length < 2 || !posts.includes(text)) throw new Error("posts not there yet");
    return posts;
  }, WAIT);
}

describe("Gitea / Forgejo pull request", () => {
  it("a signed pull_request (synchronized) builds the head under refs/pull/7/head, posts #7 and its link, sets statuses", async () => {
    forge = await FakeForge.start();
    env = await startForgeApp(
      { forge: "gitea", full_name: "gitea/webhooks", on: { push: ["main"], pull_request: true } },
      { forges: { gitea: { api_url: forge.apiUrl("gitea"), token: "gitea-token", webhook_secret: SECRET } } },
    );
    const head = await headOnlyUnder(env, "refs/pull/7/head", "Add webhook docs");
    const payload = fixture("gitea-pull_request.json") as { pull_request: Record<string, unknown> };
    const body = {
      ...payload,
      pull_request: {
        ...payload.pull_request,
        head: { ...(payload.pull_request.head as object), sha: head },
      },
    };
    expect((await env.hook("gitea", "pull_request", body, "wrong-secret-0123456789")).status).toBe(401);
    const answer = await env.hook("gitea", "pull_request", body);
    expect(answer.status).toBe(202);
    const build = await finished(env, answer);
    expect(build).toMatchObject({ status: "succeeded", sha: head, branch: "pull/7", requester: "alice" });

    const posts = await postsMentioning(env, "Pull request");
    expect(posts).toContain(
      "Pull request [#7 Add webhook docs](http://localhost:3000/gitea/webhooks/pulls/7) by alice",
    );
    await vi.waitFor(
      () =>
        expect(forge?.accepted().map((c) => [c.kind, c.repo, c.sha, c.auth, c.body.state])).toEqual([
          ["gitea", "gitea/webhooks", head, "token gitea-token", "pending"],
          ["gitea", "gitea/webhooks", head, "token gitea-token", "success"],
        ]),
      WAIT,
    );
  });
});

describe("GitLab merge request", () => {
  it("a signed Merge Request Hook (update with oldrev) builds the head under refs/merge-requests/1/head, posts !1 and its link, sets statuses", async () => {
    forge = await FakeForge.start();
    env = await startForgeApp(
      { forge: "gitlab", full_name: "gitlabhq/gitlab-test", on: { push: ["main"], pull_request: true } },
      { forges: { gitlab: { api_url: forge.apiUrl("gitlab"), token: "gl-token", webhook_secret: SECRET } } },
    );
    const head = await headOnlyUnder(env, "refs/merge-requests/1/head", "MS-Viewport");
    const payload = fixture("gitlab-merge_request.json") as { object_attributes: Record<string, unknown> };
    const attributes = payload.object_attributes;
    const body = {
      ...payload,
      object_attributes: { ...attributes, last_commit: { ...(attributes.last_commit as object), id: head } },
    };
    expect((await env.hook("gitlab", "Merge Request Hook", body, null)).status).toBe(401);
    const answer = await env.hook("gitlab", "Merge Request Hook", body);
    expect(answer.status).toBe(202);
    const build = await finished(env, answer);
    expect(build).toMatchObject({ status: "succeeded", sha: head, branch: "pull/1", requester: "root" });

    // GitLab's own notation: a merge request is !1 (#1 would be an issue there).
    const posts = await postsMentioning(env, "Merge request");
    expect(posts).toContain(
      "Merge request [!1 MS-Viewport](http://example.com/diaspora/merge_requests/1) by root",
    );
    await vi.waitFor(
      () =>
        expect(forge?.accepted().map((c) => [c.kind, c.repo, c.sha, c.auth, c.body.state])).toEqual([
          ["gitlab", "gitlabhq/gitlab-test", head, "gl-token", "pending"],
          ["gitlab", "gitlabhq/gitlab-test", head, "gl-token", "success"],
        ]),
      WAIT,
    );
  });
});
