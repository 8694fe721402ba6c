import { afterEach, describe, expect, it } from "vitest";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";
import { makeTempDir, removeDir } from "../../helpers/git-repo.js";
import { waitFor } from "../../helpers/service-process.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * /metrics, /healthz, /readyz and `/build health` on the whole app (createApp), with a real git
 * repository, a real SQLite file and a fake Mattermost on loopback receiving the status posts.
 */

const TOKEN = "web-test-token";
const SCRAPE_TOKEN = "scrape-token-0123456789abcdef";

let web: WebApp | undefined;
let mattermost: FakeMattermost | undefined;
afterEach(async () => {
  await web?.close();
  await mattermost?.close();
  web = undefined;
  mattermost = undefined;
});

async function scrape(app: WebApp, headers: Record<string, string> = {}, remoteAddress = "127.0.0.1") {
  return app.app.server.inject({ method: "GET", url: "/metrics", headers, remoteAddress });
}

/** A sample's value from the Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("/metrics", () => {
  it("counts builds, slash acknowledgements, deliveries and Mattermost's 429s", async () => {
    mattermost = await FakeMattermost.start();
    const hook = mattermost.addIncomingWebhook("ci");
    web = await WebApp.start({
      extra: {
        mattermost: { token: TOKEN, webhook_url: hook },
        delivery: { initial_backoff: "50ms", max_backoff: "200ms" },
      },
    });
    // The first post meets a 429; it is retried after Retry-After and then accepted.
    mattermost.setRateLimit({ perSec: 1, maxBurst: 0 });
    const outcome = await sendSlashCommand({
      url: `${web.url}/mattermost/command`,
      token: TOKEN,
      text: "app",
      user: { id: "uid-alice", name: "alice" },
      channel: { id: "chan-ci", name: "ci" },
    });
    expect(outcome.status).toBe(200);
    const build = await web.waitForStatus(1, (b) => b.status === "succeeded");
    expect(build.status).toBe("succeeded");
    await waitFor("every status post to be accepted", () => web?.app.outbox.pendingCount() === 0);

    const response = await scrape(web);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("text/plain");
    const text = response.body;
    expect(sample(text, 'slashbuild_builds_started_total{repo="app",trigger="chat",backend="local"}')).toBe(
      1,
    );
    expect(
      sample(text, 'slashbuild_builds_finished_total{repo="app",trigger="chat",result="succeeded"}'),
    ).toBe(1);
    expect(sample(text, "slashbuild_slash_ack_seconds_count")).toBe(1);
    expect(sample(text, 'slashbuild_delivery_latency_seconds_count{sink="webhook"}')).toBeGreaterThanOrEqual(
      2,
    );
    expect(sample(text, 'slashbuild_outbox_pending{sink="webhook"}')).toBe(0);
    expect(sample(text, 'slashbuild_outbox_oldest_pending_age_seconds{sink="webhook"}')).toBe(0);
    expect(sample(text, "slashbuild_queue_depth")).toBe(0);
    expect(
      sample(text, 'slashbuild_upstream_error_responses_total{peer="mattermost",status="429"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'slashbuild_check_up{check="database"}')).toBe(1);
    expect(text).toContain("# TYPE slashbuild_sandbox_start_failures_total counter");
  });

  it("counts a step whose sandbox could not be started, by repo", async () => {
    // bwrap is looked up on the build's PATH: one without it makes the sandbox's spawn fail, as
    // an uninstalled bubblewrap would after start-up (whose check found it on slashbuild's PATH).
    const empty = await makeTempDir("slashbuild-no-bwrap-");
    try {
      web = await WebApp.start({ repoExtra: { env: { PATH: empty } } });
      const before = sample((await scrape(web)).body, 'slashbuild_sandbox_start_failures_total{repo="app"}');
      expect(before ?? 0).toBe(0);
      await web.requestBuild();
      const build = await web.waitForStatus(1, (b) => b.status === "failed");
      expect(build.status).toBe("failed");
      const text = (await scrape(web)).body;
      expect(sample(text, 'slashbuild_sandbox_start_failures_total{repo="app"}')).toBe(1);
    } finally {
      await removeDir(empty);
    }
  });

  it("shows pending posts and their age per sink while Mattermost is down", async () => {
    mattermost = await FakeMattermost.start();
    const hook = mattermost.addIncomingWebhook("ci");
    web = await WebApp.start({
      extra: { mattermost: { token: TOKEN, webhook_url: hook }, delivery: { initial_backoff: "10s" } },
    });
    mattermost.outage = "503";
    await web.requestBuild();
    await web.waitForStatus(1, (b) => b.status === "succeeded");
    const text = await waitFor("a 5xx to be counted", async () => {
      const body = (await scrape(web as WebApp)).body;
      return (sample(body, 'slashbuild_upstream_error_responses_total{peer="mattermost",status="5xx"}') ??
        0) >= 1
        ? body
        : undefined;
    });
    expect(sample(text, 'slashbuild_outbox_pending{sink="webhook"}')).toBeGreaterThanOrEqual(1);
  });
});

describe("/metrics access", () => {
  it("by default answers only loopback requests that no proxy forwarded", async () => {
    web = await WebApp.start();
    expect((await scrape(web)).statusCode).toBe(200);
    // The same request relayed by a reverse proxy on this host: it comes from loopback too, and
    // only the proxy's header tells it came from the web.
    const proxied = await scrape(web, { "x-forwarded-for": "198.51.100.7" });
    expect(proxied.statusCode).toBe(403);
    expect(proxied.json()).toMatchObject({ error: "METRICS_FORBIDDEN" });
    expect((await scrape(web, {}, "198.51.100.7")).statusCode).toBe(403);
  });

  it("with access: token, needs the bearer token (from any address) and refuses a wrong one", async () => {
    web = await WebApp.start({ extra: { metrics: { access: "token", token: SCRAPE_TOKEN } } });
    const remote = "198.51.100.7";
    expect((await scrape(web, {}, remote)).statusCode).toBe(403);
    expect((await scrape(web, { authorization: `Bearer ${SCRAPE_TOKEN}x` }, remote)).statusCode).toBe(403);
    expect(
      (await scrape(web, { authorization: `Bearer ${"x".repeat(SCRAPE_TOKEN.length)}` }, remote)).statusCode,
    ).toBe(403);
    expect((await scrape(web, { authorization: `Bearer ${SCRAPE_TOKEN}` }, remote)).statusCode).toBe(200);
  });

  it("with access: off, serves nothing", async () => {
    web = await WebApp.start({ extra: { metrics: { access: "off" } } });
    expect((await scrape(web)).statusCode).toBe(403);
  });
});

describe("/healthz and /readyz", () => {
  it("names each check; a nearly full disk and an unreachable Buildbot make it not ready", async () => {
    web = await WebApp.start();
    expect((await web.app.server.inject({ url: "/healthz" })).json()).toEqual({ ok: true });
    const ready = await web.app.server.inject({ url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      ready: true,
      checks: [
        { name: "database", ok: true },
        { name: "disk", ok: true },
      ],
    });
    await web.close();
    web = undefined;

    web = await WebApp.start({
      extra: {
        health: { min_free_disk: "1000000000GB" },
        buildbot: {
          url: "http://127.0.0.1:9",
          username: "slashbuild",
          password: "pw",
          status_secret: "status-secret-0123456789",
        },
      },
    });
    const down = await web.app.server.inject({ url: "/readyz" });
    expect(down.statusCode).toBe(503);
    const checks = (down.json() as { checks: { name: string; ok: boolean; detail: string }[] }).checks;
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ["database", true],
      ["disk", false],
      ["buildbot", false],
    ]);
    expect(checks.find((c) => c.name === "disk")?.detail).toContain("health.min_free_disk");
    const metrics = (await scrape(web)).body;
    expect(sample(metrics, 'slashbuild_check_up{check="buildbot"}')).toBe(0);
  });
});

describe("/build health", () => {
  it("answers admins with the same facts in one message and refuses everyone else", async () => {
    web = await WebApp.start({ extra: { mattermost: { token: TOKEN, admins: ["root"] } } });
    const ask = (user: { id: string; name: string }) =>
      sendSlashCommand({
        url: `${(web as WebApp).url}/mattermost/command`,
        token: TOKEN,
        text: "health",
        user,
        channel: { id: "chan-ci", name: "ci" },
      });
    const admin = await ask({ id: "uid-root", name: "root" });
    const text = admin.ok ? String(admin.response.text) : admin.error;
    expect(text).toMatch(/^slashbuild is \*\*ready\*\*: database ok \(writable\) · disk ok \(.* free in /);
    expect(text).toContain("queue empty");
    expect(text).toContain("outbox 0 pending");
    expect(text.split("\n")).toHaveLength(1);
    const other = await ask({ id: "uid-alice", name: "alice" });
    expect(other.ok && String(other.response.text)).toContain("is for admins");
  });
});
