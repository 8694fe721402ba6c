import { afterAll, beforeAll, expect, it } from "vitest";
import { requestNew } from "../../fakes/request-new.js";
import { describeWithBuildbot } from "../../helpers/buildbot-harness.js";
import { type BuildbotMaster, startBuildbotMaster } from "../../helpers/buildbot-master.js";
import { type WiredService, waitFor } from "../../helpers/buildbot-service.js";

/** A master shut down (`buildbot stop`) mid-build: nobody cancelled it, so it is "interrupted", with why. */

const alice = { id: "uid-alice", name: "alice" };
const ci = { id: "chan-ci", name: "ci" };

describeWithBuildbot("Buildbot master shut down during a build (real master)", () => {
  let master: BuildbotMaster;
  let wired: WiredService;

  beforeAll(async () => {
    master = await startBuildbotMaster({
      secret: "shutdown-status-secret-0123",
      repos: { slow: { commands: ["sleep 60"] } },
      settings: { follow_interval: "300ms", reconcile_interval: "1s" },
    });
    wired = master.wire();
  });

  afterAll(async () => {
    await master?.close();
  });

  it("reports the build interrupted with the reason, not cancelled", async () => {
    const build = await requestNew(wired.service, {
      repo: "slow",
      branch: null,
      revision: null,
      user: alice,
      channel: ci,
    });
    await waitFor(`#${build.id} started`, () => wired.notifier.of(build.id, "started")[0], 60_000);
    await master.harness.stopMaster();
    await master.harness.startMaster();
    const done = await waitFor(
      `#${build.id} finished`,
      () => wired.notifier.of(build.id, "finished")[0],
      60_000,
    );
    expect(done.status).toBe("interrupted");
    expect(done.reason).toContain("the Buildbot master shut down while it ran");
    expect(done.reason).toContain("Master Shutdown");
  }, 240_000);
});
