import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { GitMirrors } from "../../../src/git/git-mirrors.js";
import {
  type BackendContractEnv,
  buildBackendContract,
  DEPLOYS_REPO,
  viaService,
} from "../../contracts/build-backend-contract.js";
import { describeWithBuildbot } from "../../helpers/buildbot-harness.js";
import { type BuildbotMaster, startBuildbotMaster } from "../../helpers/buildbot-master.js";
import { waitFor } from "../../helpers/buildbot-service.js";

describeWithBuildbot("BuildbotBackend honours the BuildBackend contract (real master and worker)", () => {
  let master: BuildbotMaster;
  let env: BackendContractEnv;
  let dataDir: string | undefined;

  beforeAll(async () => {
    master = await startBuildbotMaster({
      secret: "contract-status-secret-0123",
      repos: {
        ok: { commands: ["git rev-parse HEAD"] },
        fails: { commands: ["true", "exit 3", "echo never"] },
        slow: { commands: ["sleep 60"] },
        deploys: DEPLOYS_REPO,
      },
      settings: { follow_interval: "500ms" },
    });
    dataDir = mkdtempSync(path.join(tmpdir(), "slashbuild-bb-contract-"));
    // Real mirrors, as src/app.ts wires them: the revision check runs on the repo's own history.
    const wired = master.wire({}, undefined, new GitMirrors({ dataDir, pullRequestHeads: () => null }));
    const { repo, harness } = master;
    const of = (id: number, kind: "started" | "finished") => wired.notifier.of(id, kind)[0];
    env = {
      tip: repo.tip,
      previous: repo.first,
      elsewhere: repo.dev,
      handedOver: async () => {
        const response = await harness.read("/api/v2/buildrequests");
        return ((await response.json()) as { buildrequests: unknown[] }).buildrequests.length;
      },
      stored: () => wired.store.list({ limit: 1000 }).length,
      ...viaService(wired.service, master.config),
      finished: (id) => waitFor(`#${id} finished`, () => of(id, "finished")),
      started: (id) => waitFor(`#${id} started`, () => of(id, "started")),
      notifications: (id) =>
        wired.notifier.posts.filter((p) => p.build.id === id && p.kind !== "queued").map((p) => p.kind),
    };
  });

  afterAll(async () => {
    await master?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  buildBackendContract(() => env);
});
