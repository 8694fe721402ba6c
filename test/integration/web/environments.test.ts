import { afterEach, describe, expect, it } from "vitest";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { FakeOAuthProvider, type OAuthApp, type OAuthUser } from "../../fakes/fake-mattermost-oauth.js";
import { freePort } from "../../helpers/service-process.js";
import { WebApp } from "../../helpers/web-app.js";
import { csrfOf } from "../../helpers/web-inject.js";

/**
 * Issue 20 on the web: a repo's environments page (state, history, links to builds), Approve and
 * Reject from it under chat's rules, and the build page's "deployed to". Over real HTTP, signed in
 * with Mattermost (the fake's OAuth provider): the identity is the Mattermost user id, the one the
 * requester has in chat. The same walk in chromium: test/e2e/web/environments-page.test.ts.
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
  readonly people: Readonly<Record<"alice" | "bob" | "carol", OAuthUser>>;
  readonly callback: string;
}

async function setup(): Promise<Setup> {
  mattermost = await FakeMattermost.start();
  const provider = new FakeOAuthProvider(mattermost);
  const people = {
    alice: provider.addUser("alice"),
    bob: provider.addUser("bob"),
    carol: provider.addUser("carol"),
  };
  const port = await freePort();
  const callback = `http://127.0.0.1:${port}/login/mattermost/callback`;
  const app = provider.addApp([callback]);
  web = await WebApp.start({
    port,
    commands: ["true"],
    // A password account whose name is an approver's: it still may not decide (no chat id).
    users: { bob: "bobs-web-password" },
    webExtra: {
      mattermost_sign_in: { url: mattermost.url, client_id: app.clientId, client_secret: app.clientSecret },
    },
    repoExtra: {
      deploy: {
        commands: ['echo "deploying to $SLASHBUILD_ENVIRONMENT"'],
        environments: { production: { branches: ["main"], approvals: 1, approvers: ["bob"] } },
      },
    },
  });
  return { web, provider, app, people, callback };
}

function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .filter((c) => !c?.endsWith("="))
    .join("; ");
}

/** A session as Mattermost's sign-in gives it: the browser's round trip played with fetch. */
async function signInWithMattermost(s: Setup, user: OAuthUser): Promise<string> {
  const start = await fetch(`${s.web.url}/login/mattermost?next=/`, { redirect: "manual" });
  const state = new URL(start.headers.get("location") ?? "").searchParams.get("state") ?? "";
  const code = s.provider.issueCode(s.app, user, s.callback, state);
  const back = await fetch(`${s.callback}?code=${code}&state=${state}`, {
    redirect: "manual",
    headers: { cookie: cookiesOf(start) },
  });
  expect(back.status).toBe(303);
  return cookiesOf(back);
}

async function signInWithPassword(s: Setup, user: string, password: string): Promise<string> {
  const form = await fetch(`${s.web.url}/login`);
  const response = await fetch(`${s.web.url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: {
      cookie: cookiesOf(form),
      origin: s.web.url,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ user, password, csrf: csrfOf(await form.text()), next: "/" }),
  });
  expect(response.status).toBe(303);
  return cookiesOf(response);
}

async function page(s: Setup, path: string, cookie = ""): Promise<string> {
  const response = await fetch(`${s.web.url}${path}`, { headers: cookie ? { cookie } : {} });
  expect(response.status).toBe(200);
  return response.text();
}

/** Posts the environments page's form for `number` as the browser of `cookie` would (token from the page). */
async function decide(
  s: Setup,
  cookie: string,
  number: number,
  verdict: "approve" | "reject",
  options: { csrf?: string; reason?: string } = {},
): Promise<{ status: number; body: string; location: string | null }> {
  const csrf = options.csrf ?? csrfOf(await page(s, "/environments/app", cookie));
  const response = await fetch(`${s.web.url}/deploys/${number}/${verdict}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      ...(cookie ? { cookie } : {}),
      origin: s.web.url,
      accept: "text/html",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ csrf, ...(options.reason ? { reason: options.reason } : {}) }),
  });
  return { status: response.status, body: await response.text(), location: response.headers.get("location") };
}

/** A green build of main, then alice's deploy request for production (it waits for bob). */
async function requested(s: Setup): Promise<{ green: number; deploy: number }> {
  const build = await s.web.requestBuild();
  await s.web.waitForStatus(build.id, (b) => b.status === "succeeded");
  const alice = { id: s.people.alice.id, name: "alice" };
  const { deploy, outcome } = s.web.app.deploys.request({
    repo: "app",
    environment: "production",
    target: null,
    user: alice,
    channel: { id: "chan-ci", name: "ci" },
  });
  expect(outcome).toBe("awaiting_approval");
  return { green: build.id, deploy: deploy.buildId };
}

describe("the environments page", () => {
  it("shows what waits, takes an approver's approval, then shows what runs where, with links to the builds", async () => {
    const s = await setup();
    const { green, deploy } = await requested(s);
    const before = await page(s, "/environments/app");
    expect(before).toContain("Environments of app");
    expect(before).toContain("nothing yet");
    expect(before).toContain("waiting for approval");
    expect(before).toContain(`href="/builds/${deploy}"`);
    expect(before).toContain(`href="/builds/${green}"`);
    expect(before).toContain("0 of 1 approvals");
    // Signed out, the page offers sign-in instead of the forms.
    expect(before).toContain("Sign in to approve or reject");
    expect(before).not.toContain(`action="/deploys/${deploy}/approve"`);

    const bob = await signInWithMattermost(s, s.people.bob);
    const approved = await decide(s, bob, deploy, "approve");
    expect(approved.status).toBe(303);
    expect(approved.location).toBe("/environments/app#env-production");
    await s.web.waitForStatus(deploy, (b) => b.status === "succeeded", "the deploy");
    const record = s.web.app.deploys.get(deploy);
    expect(record?.decisions.map((d) => [d.userId, d.via])).toEqual([[s.people.bob.id, "web"]]);

    const after = await page(s, "/environments/app");
    expect(after).toMatch(/<dt>Deployed<\/dt><dd><code[^>]*>[0-9a-f]{10}<\/code> from <code>main<\/code>/);
    expect(after).toContain('@bob <span class="muted">(web)</span>');
    expect(after).toContain("<dt>Requested by</dt><dd>@alice</dd>");
    expect(after).not.toContain("Sign in to approve or reject");

    // The build page: the green build says where its commit runs; the deploy offers no Rebuild.
    const greenPage = await page(s, `/builds/${green}`, bob);
    expect(greenPage).toContain('Deployed to <a href="/environments/app#env-production">production</a>');
    const deployPage = await page(s, `/builds/${deploy}`, bob);
    expect(deployPage).toContain('Deploy to <a href="/environments/app#env-production">production</a>');
    expect(deployPage).not.toContain(`action="/builds/${deploy}/rebuild"`);
    expect(greenPage).toContain(`action="/builds/${green}/rebuild"`);
  });

  it("refuses what chat refuses: the requester, a non-approver, a password account, and forms without session or token", async () => {
    const s = await setup();
    const { deploy } = await requested(s);
    const alice = await signInWithMattermost(s, s.people.alice);
    const carol = await signInWithMattermost(s, s.people.carol);
    const bobByPassword = await signInWithPassword(s, "bob", "bobs-web-password");
    const bob = await signInWithMattermost(s, s.people.bob);

    const own = await decide(s, alice, deploy, "approve");
    expect(own.status).toBe(403);
    expect(own.body).toContain("someone else must decide");
    const stranger = await decide(s, carol, deploy, "approve");
    expect(stranger.status).toBe(403);
    expect(stranger.body).toContain("Only @bob (or an admin) may decide");
    const password = await decide(s, bobByPassword, deploy, "approve");
    expect(password.status).toBe(403);
    expect(password.body).toContain("sign in with Mattermost");
    const signedOut = await decide(s, "", deploy, "approve", { csrf: "x" });
    expect(signedOut.status).toBe(401);
    // bob's own session, with a token not made for it (a forged form): refused before deciding…
    const forged = await decide(s, bob, deploy, "approve", { csrf: "forged-token" });
    expect(forged.status).toBe(403);
    expect(forged.body).toContain("CSRF check failed");
    expect(s.web.app.deploys.get(deploy)?.decisions).toEqual([]);
    expect(s.web.app.deploys.get(deploy)?.state).toBe("awaiting_approval");
    // …and the same form with the page's token decides: only the token was missing.
    const rejected = await decide(s, bob, deploy, "reject", { reason: "not during the demo <b>" });
    expect(rejected.status).toBe(303);
    expect(s.web.app.deploys.get(deploy)?.state).toBe("rejected");
    const history = await page(s, "/environments/app");
    expect(history).toContain("rejected");
    expect(history).not.toContain("<b>");
  });

  it("answers 404 for a repo without deploys or unknown, and for a deploy number that is none", async () => {
    const s = await setup();
    const build = await s.web.requestBuild();
    await s.web.waitForStatus(build.id, (b) => b.status === "succeeded");
    const missing = await fetch(`${s.web.url}/environments/nope`, { headers: { accept: "text/html" } });
    expect(missing.status).toBe(404);
    const bob = await signInWithMattermost(s, s.people.bob);
    const notDeploy = await decide(s, bob, build.id, "approve", { csrf: "x" });
    expect(notDeploy.status).toBe(404);
    const garbage = await fetch(`${s.web.url}/deploys/abc/approve`, {
      method: "POST",
      headers: { origin: s.web.url, accept: "text/html" },
    });
    expect(garbage.status).toBe(404);
  });
});
