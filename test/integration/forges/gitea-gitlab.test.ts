import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeForge } from "../../fakes/fake-forge.js";
import { type ForgeApp, SECRET, startForgeApp } from "./forge-app.js";

/** The Gitea/Forgejo and GitLab receivers over HTTP, with their documented payloads, to statuses on each host's API. */

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

async function accepted(f: FakeForge, count: number) {
  return vi.waitFor(() => {
    const calls = f.accepted();
    if (calls.length < count) throw new Error("statuses not there yet");
    return calls;
  }, WAIT);
}

describe("Gitea / Forgejo", () => {
  it("a signed push of the documented payload builds it; statuses go to /api/v1 with a token header", async () => {
    forge = await FakeForge.start();
    env = await startForgeApp(
      { forge: "gitea", full_name: "gitea/webhooks", on: { push: ["develop"] } },
      { forges: { gitea: { api_url: forge.apiUrl("gitea"), token: "gitea-token", webhook_secret: SECRET } } },
    );
    const sha = await env.repo.commit({ branch: "develop" });
    const payload = fixture("gitea-push.json") as { commits: Record<string, unknown>[] };
    const body = { ...payload, after: sha, commits: [{ ...payload.commits[0], id: sha }] };
    expect((await env.hook("gitea", "push", body, "wrong-secret-0123456789")).status).toBe(401);
    const answer = await env.hook("gitea", "push", body);
    expect(answer.status).toBe(202);
    const calls = await accepted(forge, 2);
    expect(calls.map((c) => [c.kind, c.repo, c.sha, c.auth, c.body.state])).toEqual([
      ["gitea", "gitea/webhooks", sha, "token gitea-token", "pending"],
      ["gitea", "gitea/webhooks", sha, "token gitea-token", "success"],
    ]);
  });
});

describe("GitLab", () => {
  it("X-Gitlab-Token and the documented Push Hook: a build, and statuses on /api/v4/projects/:path", async () => {
    forge = await FakeForge.start();
    env = await startForgeApp(
      { forge: "gitlab", full_name: "mike/diaspora", on: { push: ["main"] } },
      { forges: { gitlab: { api_url: forge.apiUrl("gitlab"), token: "gl-token", webhook_secret: SECRET } } },
    );
    const sha = await env.repo.commit();
    const payload = fixture("gitlab-push.json") as { commits: Record<string, unknown>[] };
    const body = {
      ...payload,
      ref: "refs/heads/main",
      after: sha,
      checkout_sha: sha,
      commits: [payload.commits[0], { ...payload.commits[1], id: sha }],
    };
    expect((await env.hook("gitlab", "Push Hook", body, null)).status).toBe(401);
    expect((await env.hook("gitlab", "Push Hook", body)).status).toBe(202);
    const calls = await accepted(forge, 2);
    expect(calls.map((c) => [c.kind, c.repo, c.sha, c.auth, c.body.state, c.body.name])).toEqual([
      ["gitlab", "mike/diaspora", sha, "gl-token", "pending", "slashbuild"],
      ["gitlab", "mike/diaspora", sha, "gl-token", "success", "slashbuild"],
    ]);
  });
});
