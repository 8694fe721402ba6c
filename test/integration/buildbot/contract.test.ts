import { afterAll, beforeAll } from "vitest";
import { generateMasterCfg } from "../../../src/backends/buildbot/generate-master-cfg.js";
import { type BackendContractEnv, buildBackendContract } from "../../contracts/build-backend-contract.js";
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

const SECRET = "contract-status-secret-0123";
const alice = { id: "uid-alice", name: "alice" };
const ci = { id: "chan-ci", name: "ci" };

describeWithBuildbot("BuildbotBackend honours the BuildBackend contract (real master and worker)", () => {
  let repo: TestRepo;
  let harness: BuildbotHarness;
  let status: StatusServer;
  let wired: WiredService;
  let env: BackendContractEnv;

  beforeAll(async () => {
    repo = createTestRepo();
    status = await startStatusServer(SECRET);
    const on = (commands: string[]) => ({ url: repo.dir, branch: "main", backend: "buildbot", commands });
    const config = makeConfig({
      repos: {
        ok: on(["git rev-parse HEAD"]),
        fails: on(["true", "exit 3", "echo never"]),
        slow: on(["sleep 60"]),
      },
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
          follow_interval: "500ms",
          workers: [{ name: ports.workerName, password: ports.workerPassword }],
          worker_port: ports.workerPort,
        });
        return generateMasterCfg(config, bb);
      },
    });
    if (!bb) throw new Error("master.cfg was not generated");
    wired = wireService(config, bb);
    status.receivers.add(wired.backend);
    const of = (id: number, kind: "started" | "finished") => wired.notifier.of(id, kind)[0];
    env = {
      tip: repo.tip,
      previous: repo.first,
      request: (name, revision) =>
        requestNew(wired.service, {
          repo: name,
          branch: "main",
          revision: revision ?? null,
          user: alice,
          channel: ci,
        }),
      finished: (id) => waitFor(`#${id} finished`, () => of(id, "finished")),
      started: (id) => waitFor(`#${id} started`, () => of(id, "started")),
      notifications: (id) =>
        wired.notifier.posts.filter((p) => p.build.id === id && p.kind !== "queued").map((p) => p.kind),
      stop: async (id) => {
        await wired.service.stopBuild(id, alice);
      },
    };
  });

  afterAll(async () => {
    await wired?.backend.close();
    await harness?.close();
    await status?.close();
    repo?.close();
  });

  buildBackendContract(() => env);
});
