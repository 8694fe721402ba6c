import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { FakeForge } from "../../fakes/fake-forge.js";
import { type ForgeApp, githubPush, SECRET, startForgeApp } from "./forge-app.js";

/**
 * A host may deliver one event twice (GitLab after a timeout) and every host has a "Redeliver"
 * button: the delivery id, kept in SQLite once the signature is verified, makes the repeat build
 * nothing.
 */

let env: ForgeApp | null = null;
let forge: FakeForge | null = null;

afterEach(async () => {
  await env?.close();
  await forge?.close();
  env = null;
  forge = null;
});

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/forges/${name}`, import.meta.url), "utf8"));
}

describe("webhook redelivery", () => {
  it("the same signed GitHub delivery twice builds once; the repeat is answered 200, already received", async () => {
    env = await startForgeApp();
    const sha = await env.repo.commit();
    const payload = githubPush("main", sha);
    const delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958";

    const first = await env.hook("github", "push", payload, SECRET, { delivery });
    expect(first.status).toBe(202);
    expect(first.body.builds).toHaveLength(1);
    const again = await env.hook("github", "push", payload, SECRET, { delivery });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ builds: [], duplicate: true });
    expect(String(again.body.message)).toContain(`Delivery ${delivery} was already received`);
    expect(env.app.service.listBuilds()).toHaveLength(1);

    // Another delivery of the same payload (a new push event) is not a repeat.
    const other = await env.hook("github", "push", payload, SECRET);
    expect(other.body.builds).toHaveLength(1);
    expect(env.app.service.listBuilds()).toHaveLength(2);
  });

  it("a forged request cannot use up a delivery id: the genuine delivery with that id still builds", async () => {
    env = await startForgeApp();
    const sha = await env.repo.commit();
    const delivery = "0b7d8a3e-0000-4000-8000-00000000beef";
    const forged = await env.hook("github", "push", githubPush("main", sha), "forged-secret-0123456789", {
      delivery,
    });
    expect(forged.status).toBe(401);
    const genuine = await env.hook("github", "push", githubPush("main", sha), SECRET, { delivery });
    expect(genuine.status).toBe(202);
    expect(genuine.body.builds).toHaveLength(1);
  });

  it("the ids are remembered across a restart", async () => {
    const first = await startForgeApp();
    env = first;
    const sha = await first.repo.commit();
    const delivery = "5a1c0de0-0000-4000-8000-000000000042";
    expect(
      (await first.hook("github", "push", githubPush("main", sha), SECRET, { delivery })).body.builds,
    ).toHaveLength(1);
    await first.stopService();
    const second = await startForgeApp({}, {}, first);
    env = second;
    const again = await second.hook("github", "push", githubPush("main", sha), SECRET, { delivery });
    expect(again).toMatchObject({ status: 200, body: { duplicate: true, builds: [] } });
    expect(second.app.service.listBuilds()).toHaveLength(1);
  });

  it("a delivery without an id (a host too old to send one) still builds, every time", async () => {
    env = await startForgeApp();
    const sha = await env.repo.commit();
    const withoutId = { headers: { "x-github-delivery": null } };
    expect(
      (await env.hook("github", "push", githubPush("main", sha), SECRET, withoutId)).body.builds,
    ).toHaveLength(1);
    expect(
      (await env.hook("github", "push", githubPush("main", sha), SECRET, withoutId)).body.builds,
    ).toHaveLength(1);
    expect(env.app.service.listBuilds()).toHaveLength(2);
  });

  it("GitLab: a retry keeps its Idempotency-Key under a new X-Gitlab-Event-UUID, and builds nothing again", async () => {
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
      commits: [{ ...payload.commits[1], id: sha }],
    };
    const key = "8d9f1a2b-0000-4000-8000-0000000000aa";
    const first = await env.hook("gitlab", "Push Hook", body, SECRET, {
      headers: { "idempotency-key": key, "x-gitlab-event-uuid": "uuid-try-1" },
    });
    expect(first.body.builds).toHaveLength(1);
    const retry = await env.hook("gitlab", "Push Hook", body, SECRET, {
      headers: { "idempotency-key": key, "x-gitlab-event-uuid": "uuid-try-2" },
    });
    expect(retry).toMatchObject({ status: 200, body: { duplicate: true } });

    // Before 17.4 there is no Idempotency-Key: the event UUID is the id.
    const old = { "idempotency-key": null, "x-gitlab-event-uuid": "uuid-old-gitlab" };
    expect((await env.hook("gitlab", "Push Hook", body, SECRET, { headers: old })).body.builds).toHaveLength(
      1,
    );
    expect(await env.hook("gitlab", "Push Hook", body, SECRET, { headers: old })).toMatchObject({
      status: 200,
      body: { duplicate: true },
    });
    expect(env.app.service.listBuilds()).toHaveLength(2);
  });
});
