import { afterAll, beforeAll, expect, it } from "vitest";
import { generateMasterCfg } from "../../../src/backends/buildbot/generate-master-cfg.js";
import { requestNew } from "../../fakes/request-new.js";
import { createTestRepo, type TestRepo } from "../../helpers/buildbot-git-repo.js";
import { type BuildbotHarness, describeWithBuildbot, startBuildbot } from "../../helpers/buildbot-harness.js";
import {
  bbConfig,
  type StatusServer,
  startStatusServer,
  type WiredService,
  waitFor,
  wireService,
} from "../../helpers/buildbot-service.js";
import { makeConfig } from "../../helpers/make-config.js";

/** A master shut down (`buildbot stop`) mid-build: nobody cancelled it, so it is "interrupted", with why. */

const SECRET = "shutdown-status-secret-0123";
const alice = { id: "uid-alice", name: "alice" };
const ci = { id: "chan-ci", name: "ci" };

describeWithBuildbot("Buildbot master shut down during a build (real master)", () => {
  let repo: TestRepo;
  let harness: BuildbotHarness;
  let status: StatusServer;
  let wired: WiredService;

  beforeAll(async () => {
    repo = createTestRepo();
    status = await startStatusServer(SECRET);
    const config = makeConfig({
      repos: { slow: { url: repo.dir, branch: "main", backend: "buildbot", commands: ["sleep 60"] } },
    });
    let bb: ReturnType<typeof bbConfig> | undefined;
    harness = await startBuildbot({
      masterCfg: (ports) => {
        bb = bbConfig({
          url: ports.url,
          username: "slashbuild",
          password: "bb-pass",
          status_secret: SECRET,
          status_url: status.url,
          follow_interval: "300ms",
          reconcile_interval: "1s",
          workers: [{ name: ports.workerName, password: ports.workerPassword }],
          worker_port: ports.workerPort,
        });
        return generateMasterCfg(config, bb);
      },
    });
    if (!bb) throw new Error("master.cfg was not generated");
    wired = wireService(config, bb);
    status.receivers.add(wired.backend);
  });

  afterAll(async () => {
    await wired?.backend.close();
    await harness?.close();
    await status?.close();
    repo?.close();
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
    await harness.stopMaster();
    await harness.startMaster();
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
