import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { WebApp, type WebAppOptions } from "../../helpers/web-app.js";

/** Sign-in, Stop and Rebuild through server.inject: CSRF, Origin, read-only mode, permissions. */

const ORIGIN = "http://ci.example.com:8080"; // the configured public_url
const RUNNING = [`echo started; while [ ! -f "$GATE/never" ]; do sleep 0.05; done`];
let web: WebApp | null = null;

afterEach(async () => {
  await web?.close();
  web = null;
});

function inject(options: InjectOptions): Promise<LightMyRequestResponse> {
  return (web as WebApp).app.server.inject(options);
}

function cookiesOf(setCookie: string | string[] | undefined): string {
  return [setCookie ?? []]
    .flat()
    .map((c) => c.split(";")[0])
    .join("; ");
}

function csrfOf(html: string): string {
  return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
}

async function signIn(user: string, password: string): Promise<string> {
  const form = await inject({ url: "/login" });
  const response = await inject({
    method: "POST",
    url: "/login",
    headers: { cookie: cookiesOf(form.headers["set-cookie"]), origin: ORIGIN },
    payload: { user, password, csrf: csrfOf(form.body), next: "/" },
  });
  expect(response.statusCode).toBe(303);
  return cookiesOf(response.headers["set-cookie"]).replace(/; sb_login=$/, "");
}

async function start(options: WebAppOptions) {
  web = await WebApp.start(options);
  const build = await web.requestBuild();
  await web.waitForStatus(build.id, (b) => b.status !== "queued");
  return build;
}

function post(url: string, cookie: string, payload: Record<string, string>, origin: string | null = ORIGIN) {
  return inject({ method: "POST", url, headers: { cookie, ...(origin ? { origin } : {}) }, payload });
}

describe("web actions", () => {
  it("without sign-in configured the UI is read-only: no buttons, no login, every POST refused", async () => {
    const build = await start({ commands: RUNNING });
    const page = await inject({ url: `/builds/${build.id}`, headers: { accept: "text/html" } });
    expect(page.body).not.toMatch(/<form method="post"|Sign in/);
    expect((await inject({ url: "/login" })).statusCode).toBe(404);
    for (const action of ["stop", "rebuild"]) {
      const response = await post(`/builds/${build.id}/${action}`, "", { csrf: "x" });
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain("read-only");
    }
    expect(web?.build(build.id).status).toBe("running");
  });

  it("signs in only with the right password and a valid form token, each form once", async () => {
    await start({ commands: RUNNING, users: { bob: "pw-bob" } });
    const fresh = async () => {
      const form = await inject({ url: "/login" });
      expect(form.headers["set-cookie"]).toMatch(/HttpOnly; SameSite=Lax/);
      return { cookie: cookiesOf(form.headers["set-cookie"]), csrf: csrfOf(form.body) };
    };
    const attempt = (
      form: { cookie: string; csrf: string },
      payload: Record<string, string>,
      headers: Record<string, string> = { cookie: form.cookie, origin: ORIGIN },
    ) => inject({ method: "POST", url: "/login", headers, payload: { csrf: form.csrf, ...payload } });
    expect((await attempt(await fresh(), { user: "bob", password: "nope" })).statusCode).toBe(401);
    expect(
      (await attempt(await fresh(), { user: "bob", password: "pw-bob", csrf: "forged" })).statusCode,
    ).toBe(403);
    const noOrigin = await fresh();
    expect(
      (await attempt(noOrigin, { user: "bob", password: "pw-bob" }, { cookie: noOrigin.cookie })).statusCode,
    ).toBe(403);
    const form = await fresh();
    const ok = await attempt(form, { user: "bob", password: "pw-bob", next: "//evil.example" });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe("/");
    expect(ok.headers["set-cookie"]?.[0]).toMatch(/^sb_session=.+; HttpOnly; SameSite=Lax/);
    // Issue 8: the same sign-in form (nonce cookie and token) replayed is refused.
    const replay = await attempt(form, { user: "bob", password: "pw-bob" });
    expect(replay.statusCode).toBe(403);
  });

  it("stops a build only with a session, this origin and the session's CSRF token", async () => {
    const build = await start({ commands: RUNNING, users: { bob: "pw-bob" } });
    const cookie = await signIn("bob", "pw-bob");
    const page = await inject({ url: `/builds/${build.id}`, headers: { cookie } });
    const csrf = csrfOf(page.body);
    expect(page.body).toContain("Stop build");
    const url = `/builds/${build.id}/stop`;

    expect((await post(url, "", { csrf })).statusCode).toBe(401);
    expect((await post(url, cookie, {})).statusCode).toBe(403);
    expect(
      (await post(url, cookie, { csrf: `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}` })).statusCode,
    ).toBe(403);
    expect((await post(url, cookie, { csrf }, "http://evil.example")).statusCode).toBe(403);
    expect((await post(url, cookie, { csrf }, null)).statusCode).toBe(403);
    expect(web?.build(build.id).status).toBe("running");

    const stopped = await post(url, cookie, { csrf });
    expect(stopped.statusCode).toBe(303);
    expect(stopped.headers.location).toBe(`/builds/${build.id}`);
    const after = await web?.waitForStatus(build.id, (b) => b.status === "cancelled");
    expect(after?.reason).toContain("@bob");
  });

  it("applies chat's permissions to the signed-in user", async () => {
    const build = await start({
      commands: RUNNING,
      users: { bob: "pw-bob", alice: "pw-alice" },
      repoExtra: { protected_branches: { main: ["alice"] } },
    });
    const bob = await signIn("bob", "pw-bob");
    const csrf = csrfOf((await inject({ url: `/builds/${build.id}`, headers: { cookie: bob } })).body);
    const refused = await post(`/builds/${build.id}/stop`, bob, { csrf });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain("may stop #");
    expect(web?.build(build.id).status).toBe("running");
  });

  it("rebuilds in the pseudo-channel `web`, which a channel allow-list must name", async () => {
    const build = await start({
      commands: ["echo hi"],
      users: { bob: "pw-bob" },
      extra: { mattermost: { token: "web-test-token", channels: ["ci"] } },
    });
    await web?.waitForStatus(build.id, (b) => b.status === "succeeded");
    const bob = await signIn("bob", "pw-bob");
    const csrf = csrfOf((await inject({ url: `/builds/${build.id}`, headers: { cookie: bob } })).body);
    const refused = await post(`/builds/${build.id}/rebuild`, bob, { csrf });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain("add web to the allowed channels");
    expect(web?.app.service.listBuilds({}).length).toBe(1);
  });

  it("rebuilds where the allow-list names `web`, as the signed-in user", async () => {
    const build = await start({
      commands: ["echo hi"],
      users: { bob: "pw-bob" },
      extra: { mattermost: { token: "web-test-token", channels: ["ci", "web"] } },
    });
    await web?.waitForStatus(build.id, (b) => b.status === "succeeded");
    const bob = await signIn("bob", "pw-bob");
    const csrf = csrfOf((await inject({ url: `/builds/${build.id}`, headers: { cookie: bob } })).body);
    const response = await post(`/builds/${build.id}/rebuild`, bob, { csrf });
    expect(response.statusCode).toBe(303);
    const again = web?.app.service.listBuilds({})[0];
    expect(response.headers.location).toBe(`/builds/${again?.id}`);
    expect(again).toMatchObject({
      rebuildOf: build.id,
      requester: "bob",
      requesterId: "web:bob",
      channelName: "web",
    });
  });

  it("dedupes Rebuild as the chat button does: a second click lands on the rebuild already running", async () => {
    const build = await start({
      commands: RUNNING,
      users: { bob: "pw-bob" },
      extra: { mattermost: { token: "web-test-token", channels: ["ci", "web"] } },
    });
    const bob = await signIn("bob", "pw-bob");
    const csrf = csrfOf((await inject({ url: `/builds/${build.id}`, headers: { cookie: bob } })).body);
    await post(`/builds/${build.id}/stop`, bob, { csrf });
    await web?.waitForStatus(build.id, (b) => b.status === "cancelled");
    const first = await post(`/builds/${build.id}/rebuild`, bob, { csrf });
    const rebuilt = web?.app.service.listBuilds({})[0];
    expect(rebuilt?.rebuildOf).toBe(build.id);
    expect(first.headers.location).toBe(`/builds/${rebuilt?.id}`);
    const second = await post(`/builds/${build.id}/rebuild`, bob, { csrf });
    expect(second.statusCode).toBe(303);
    expect(second.headers.location).toBe(`/builds/${rebuilt?.id}`);
    expect(web?.app.service.listBuilds({})).toHaveLength(2);
    await post(`/builds/${rebuilt?.id}/stop`, bob, { csrf });
  });

  it("signs out only with the session's token", async () => {
    await start({ commands: RUNNING, users: { bob: "pw-bob" } });
    const bob = await signIn("bob", "pw-bob");
    const csrf = csrfOf((await inject({ url: "/", headers: { cookie: bob } })).body);
    expect((await post("/logout", bob, { csrf: "nope" })).statusCode).toBe(403);
    const out = await post("/logout", bob, { csrf });
    expect(out.statusCode).toBe(303);
    expect(String(out.headers["set-cookie"])).toMatch(/^sb_session=; .*Max-Age=0/);
  });
});
