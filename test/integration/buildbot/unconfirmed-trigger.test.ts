import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { CORRELATION_PROPERTY } from "../../../src/backends/buildbot/buildbot-properties.js";
import { handleCommand } from "../../../src/core/handle-command.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../src/store/sqlite-build-store.js";
import { describeWithBuildbot } from "../../helpers/buildbot-harness.js";
import { type BuildbotMaster, startBuildbotMaster } from "../../helpers/buildbot-master.js";
import { type WiredService, waitFor } from "../../helpers/buildbot-service.js";
import { startTcpRelay, type TcpRelay } from "../../helpers/tcp-relay.js";

/**
 * A force request that goes out and gets no answer (a paused master, a request lost on the way) is
 * not a failure: the build may run. The person is told so, never to try again, and reconcile says
 * later whether it ran or never arrived. A real master, paused with SIGSTOP (only this test's own).
 */

const alice = { id: "uid-alice", name: "alice" };
const ci = { id: "chan-ci", name: "ci" };

describeWithBuildbot("Buildbot trigger whose outcome is unknown (real master)", () => {
  let master: BuildbotMaster;
  let relay: TcpRelay;
  let paused: number | null = null;
  // One database for both tests: build ids go on, so no id matches another test's Buildbot build.
  const store = new SqliteBuildStore(openDatabase(":memory:"));
  const wired: WiredService[] = [];

  beforeAll(async () => {
    master = await startBuildbotMaster({
      secret: "unconfirmed-status-secret-01",
      repos: { app: { commands: ["true"] } },
      settings: { trigger_timeout: "1s", follow_interval: "300ms", reconcile_interval: "1s" },
    });
    relay = await startTcpRelay(master.harness.wwwPort);
  });

  afterEach(async () => {
    // Never leave the master paused, whatever failed.
    if (paused !== null) process.kill(paused, "SIGCONT");
    paused = null;
    for (const w of wired.splice(0)) await w.backend.close();
    master.status.receivers.clear();
  });

  afterAll(async () => {
    await relay?.close();
    await master?.close();
  });

  function wire(url: string, neverArrivedAfterMs?: number): WiredService {
    const w = master.wire(
      { url },
      store,
      undefined,
      neverArrivedAfterMs === undefined ? {} : { neverArrivedAfterMs },
    );
    wired.push(w);
    return w;
  }

  async function buildsCarrying(id: number): Promise<number> {
    const response = await master.harness.read(`/api/v2/builds?property=${CORRELATION_PROPERTY}`);
    const body = (await response.json()) as { builds: { properties: Record<string, [unknown, string]> }[] };
    return body.builds.filter((b) => b.properties[CORRELATION_PROPERTY]?.[0] === String(id)).length;
  }

  it("paused master: the answer says 'not confirmed, do not retry'; the build runs once and is reported", async () => {
    const w = wire(master.harness.url);
    await w.backend.client.login(); // as after earlier builds: the session exists, the force goes out
    paused = master.harness.masterPid();
    process.kill(paused, "SIGSTOP");

    const reply = await handleCommand(w.service, master.config, { text: "app", user: alice, channel: ci });
    expect(reply.visibility).toBe("ephemeral");
    expect(reply.text).toContain("was sent, but not confirmed");
    expect(reply.text).toContain("Do not run /build again");
    expect(reply.text).not.toMatch(/try again/i);
    expect(w.store.get(1)).toMatchObject({ status: "queued" });
    expect(w.notifier.of(1, "queued")).toHaveLength(1);

    process.kill(paused, "SIGCONT");
    paused = null;
    const done = await waitFor("#1 finished", () => w.notifier.of(1, "finished")[0], 60_000);
    expect(done.status).toBe("succeeded");
    expect(w.notifier.of(1, "started")).toHaveLength(1);
    expect(await buildsCarrying(1)).toBe(1);
    expect(done.external).toMatchObject({ unconfirmed_at: null, buildrequestid: expect.any(Number) });
  });

  it("a force lost on the way: reported as never arrived once the master has answered long enough", async () => {
    const w = wire(relay.url, 1500);
    await w.backend.client.login();
    relay.swallow = true;
    const reply = await handleCommand(w.service, master.config, { text: "app", user: alice, channel: ci });
    relay.swallow = false;
    expect(reply.text).toContain("was sent, but not confirmed");
    const id = 2;
    expect(w.store.get(id)).toMatchObject({ status: "queued" });

    const done = await waitFor(`#${id} finished`, () => w.notifier.of(id, "finished")[0], 30_000);
    expect(done.status).toBe("failed");
    expect(done.reason).toContain("Buildbot never received this build");
    expect(done.reason).toContain("Running /build again is safe");
    expect(await buildsCarrying(id)).toBe(0);
  });
});
