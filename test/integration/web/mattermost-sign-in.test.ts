import { afterEach, describe, expect, it } from "vitest";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { FakeOAuthProvider, type OAuthApp, type OAuthUser } from "../../fakes/fake-mattermost-oauth.js";
import { freePort } from "../../helpers/service-process.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * Sign in with Mattermost over real HTTP: slashbuild on loopback, the fake Mattermost's OAuth
 * provider on loopback, the browser's part played with fetch (redirects followed by hand, cookies
 * carried by hand). The end-to-end run in chromium is test/e2e/web/mattermost-sign-in.test.ts.
 */

let web: WebApp | undefined;
let mattermost: FakeMattermost | undefined;
afterEach(async () => {
  await web?.close();
  await mattermost?.close();
  web = undefined;
  mattermost = undefined;
});

interface Setup {
  readonly web: WebApp;
  readonly provider: FakeOAuthProvider;
  readonly app: OAuthApp;
  readonly alice: OAuthUser;
  readonly callback: string;
}

async function setup(options: { secret?: string; users?: Record<string, string>; admins?: string[] } = {}) {
  mattermost = await FakeMattermost.start();
  const provider = new FakeOAuthProvider(mattermost);
  const alice = provider.addUser("alice");
  const port = await freePort();
  const callback = `http://127.0.0.1:${port}/login/mattermost/callback`;
  const app = provider.addApp([callback]);
  web = await WebApp.start({
    port,
    commands: ["true"],
    ...(options.users ? { users: options.users } : {}),
    extra: { mattermost: { token: "web-test-token", admins: options.admins ?? [] } },
    webExtra: {
      mattermost_sign_in: {
        url: mattermost.url,
        client_id: app.clientId,
        client_secret: options.secret ?? app.clientSecret,
      },
    },
  });
  return { web, provider, app, alice, callback } satisfies Setup;
}

function setCookies(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .filter((c) => !c?.endsWith("="))
    .join("; ");
}

/** Starts a sign-in as a browser does: the cookie that binds the state, and the state sent to Mattermost. */
async function begin(s: Setup): Promise<{ cookie: string; state: string; location: URL }> {
  const response = await fetch(`${s.web.url}/login/mattermost?next=/builds`, { redirect: "manual" });
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get("location") ?? "");
  return { cookie: setCookies(response), state: location.searchParams.get("state") ?? "", location };
}

async function callback(s: Setup, query: string, cookie: string): Promise<Response> {
  return fetch(`${s.callback}?${query}`, { redirect: "manual", headers: cookie ? { cookie } : {} });
}

async function signedInAs(s: Setup, cookie: string): Promise<string | null> {
  const page = await (await fetch(`${s.web.url}/`, { headers: { cookie } })).text();
  return /Signed in as <strong>([^<]*)<\/strong>/.exec(page)?.[1] ?? null;
}

describe("sign in with Mattermost", () => {
  it("sends the browser to Mattermost's authorize with the registered callback and a fresh state", async () => {
    const s = await setup();
    const { location, state } = await begin(s);
    expect(`${location.origin}${location.pathname}`).toBe(`${mattermost?.url}/oauth/authorize`);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      response_type: "code",
      client_id: s.app.clientId,
      redirect_uri: s.callback,
      state,
    });
    expect(state.length).toBeGreaterThanOrEqual(32);
    expect((await begin(s)).state).not.toBe(state);
  });

  it("signs in as the Mattermost user (id and name), whose web actions carry that identity", async () => {
    const s = await setup();
    const { cookie, state } = await begin(s);
    const code = s.provider.issueCode(s.app, s.alice, s.callback, state);
    const back = await callback(s, `code=${code}&state=${state}`, cookie);
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe("/builds");
    const session = setCookies(back);
    expect(await signedInAs(s, session)).toBe("alice");
    expect(s.provider.exchanges).toEqual([{ clientId: s.app.clientId, status: 200 }]);

    const build = await s.web.requestBuild();
    await s.web.waitForStatus(build.id, (b) => b.status === "succeeded");
    const page = await (
      await fetch(`${s.web.url}/builds/${build.id}`, { headers: { cookie: session } })
    ).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
    const rebuilt = await fetch(`${s.web.url}/builds/${build.id}/rebuild`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: session, origin: s.web.url, "content-type": "application/x-www-form-urlencoded" },
      body: `csrf=${encodeURIComponent(csrf)}`,
    });
    expect(rebuilt.status).toBe(303);
    const id = Number(/\/builds\/(\d+)/.exec(rebuilt.headers.get("location") ?? "")?.[1]);
    expect(id).toBeGreaterThan(build.id);
    // The same id and name a slash command from alice carries, not a web-only identity.
    expect(s.web.build(id)).toMatchObject({ requester: "alice", requesterId: s.alice.id });
  });

  it("refuses a code delivered to a browser that did not start the sign-in (login CSRF)", async () => {
    const s = await setup();
    // The attacker starts a sign-in in their own browser and gets a valid code for their account…
    const attacker = await begin(s);
    const mallory = s.provider.addUser("mallory");
    const code = s.provider.issueCode(s.app, mallory, s.callback, attacker.state);
    // …then makes the victim's browser (no state cookie, or its own) open the callback.
    const victim = await begin(s);
    for (const cookie of ["", victim.cookie]) {
      const response = await callback(s, `code=${code}&state=${attacker.state}`, cookie);
      expect(response.status).toBe(403);
      expect(setCookies(response)).not.toContain("sb_session");
      expect(await response.text()).toContain("not started in this browser");
    }
    expect(s.provider.exchanges).toEqual([]);
    // The same code in the browser that started it works: only the state binding stopped the attack.
    const ok = await callback(s, `code=${code}&state=${attacker.state}`, attacker.cookie);
    expect(ok.status).toBe(303);
    expect(await signedInAs(s, setCookies(ok))).toBe("mallory");
  });

  it("does not sign in when Mattermost refuses the client secret, and says what to check", async () => {
    const s = await setup({ secret: "not-the-secret" });
    const { cookie, state } = await begin(s);
    const code = s.provider.issueCode(s.app, s.alice, s.callback, state);
    const response = await callback(s, `code=${code}&state=${state}`, cookie);
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(text).toContain("HTTP 403 (api.oauth.get_access_token.credentials.app_error)");
    expect(text).toContain("web.mattermost_sign_in");
    expect(text).not.toContain("not-the-secret");
    expect(setCookies(response)).not.toContain("sb_session");
  });

  // Refusing a reused code, or one issued for another redirect_uri, is Mattermost's job (the fake
  // does it as CONTRACT.md says); slashbuild's part is to answer 502 and create no session.
  it("answers 502 and signs nobody in when Mattermost refuses the code (reused, or issued for another redirect_uri)", async () => {
    const s = await setup();
    const first = await begin(s);
    const code = s.provider.issueCode(s.app, s.alice, s.callback, first.state);
    expect((await callback(s, `code=${code}&state=${first.state}`, first.cookie)).status).toBe(303);
    const again = await begin(s);
    const reused = await callback(s, `code=${code}&state=${again.state}`, again.cookie);
    expect(reused.status).toBe(502);
    expect(setCookies(reused)).not.toContain("sb_session");
    expect(await signedInAs(s, again.cookie)).toBeNull();
    const other = await begin(s);
    const elsewhere = s.provider.issueCode(s.app, s.alice, "http://evil.example/cb", other.state);
    const misdirected = await callback(s, `code=${elsewhere}&state=${other.state}`, other.cookie);
    expect(misdirected.status).toBe(502);
    expect(setCookies(misdirected)).not.toContain("sb_session");
    expect(await signedInAs(s, other.cookie)).toBeNull();
    // Both were really put to Mattermost and refused there: the 502 is slashbuild passing that on.
    expect(s.provider.exchanges.map((e) => e.status)).toEqual([200, 400, 400]);
  });

  it("reports Mattermost's refusal (error=…) without exchanging anything", async () => {
    const s = await setup();
    const { cookie, state } = await begin(s);
    const response = await callback(s, `error=access_denied&state=${state}`, cookie);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("access_denied");
    expect(s.provider.exchanges).toEqual([]);
  });

  it("keeps the local user list beside it", async () => {
    const s = await setup({ users: { bob: "bobs long password" } });
    const page = await (await fetch(`${s.web.url}/login`)).text();
    expect(page).toContain("Sign in with Mattermost");
    expect(page).toContain('name="password"');
  });
});

describe("the fake Mattermost's authorize", () => {
  it("refuses a redirect_uri that is not a registered callback, without redirecting", async () => {
    const s = await setup();
    const { location } = await begin(s);
    location.searchParams.set("redirect_uri", "http://evil.example/cb");
    const response = await fetch(location, { redirect: "manual" });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
  });
});
