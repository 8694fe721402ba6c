import { afterAll, beforeAll, describe } from "vitest";
import { LocalBackend } from "../../../../src/backends/local/local-backend.js";
import type { Build } from "../../../../src/core/build.js";
import { BuildService } from "../../../../src/core/build-service.js";
import type { StatusNotifier } from "../../../../src/core/ports.js";
import { GitMirrors } from "../../../../src/git/git-mirrors.js";
import { openDatabase } from "../../../../src/store/open-database.js";
import { SqliteBuildStore } from "../../../../src/store/sqlite-build-store.js";
import {
  type BackendContractEnv,
  buildBackendContract,
  DEPLOYS_REPO,
  viaService,
} from "../../../contracts/build-backend-contract.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../../helpers/git-repo.js";
import { makeConfig } from "../../../helpers/make-config.js";
import { waitFor } from "../../../helpers/service-process.js";

describe("LocalBackend honours the BuildBackend contract", () => {
  let remote: GitRepoFixture;
  let dataDir: string;
  let backend: LocalBackend;
  let env: BackendContractEnv;

  beforeAll(async () => {
    remote = await GitRepoFixture.create();
    const previous = await remote.commit({ message: "previous" });
    const tip = await remote.commit({ message: "tip" });
    const elsewhere = await remote.commit({ branch: "dev", message: "only on dev" });
    dataDir = await makeTempDir();
    const repo = (commands: string[]) => ({ url: remote.dir, branch: "main", commands });
    const config = makeConfig(
      {
        data_dir: dataDir,
        runner: { concurrency: 4 },
        repos: {
          ok: repo(["git rev-parse HEAD"]),
          fails: repo(["true", "exit 3", "echo never"]),
          slow: repo(["sleep 60"]),
          deploys: { ...repo([...DEPLOYS_REPO.commands]), ...DEPLOYS_REPO },
        },
      },
      dataDir,
    );
    const seen: { kind: string; build: Build }[] = [];
    const record = (kind: string) => (build: Build) => {
      seen.push({ kind, build });
    };
    const notifier: StatusNotifier = {
      buildQueued: () => {},
      buildStarted: record("started"),
      buildFinished: record("finished"),
    };
    const mirrors = new GitMirrors({ dataDir, pullRequestHeads: () => null });
    const store = new SqliteBuildStore(openDatabase(":memory:"));
    const service = new BuildService({
      config,
      store,
      refs: mirrors,
      notifier,
    });
    backend = new LocalBackend({ config, mirrors, sink: service.applyEvent, killGraceMs: 500 });
    let handed = 0;
    const counted = backend;
    service.attachBackend({
      name: counted.name,
      start: (build, repo) => {
        handed += 1;
        return counted.start(build, repo);
      },
      stop: (build, repo, by) => counted.stop(build, repo, by),
      recover: (builds, repos) => counted.recover(builds, repos),
      close: () => counted.close(),
    });
    const of = (id: number, kind: string) => seen.find((s) => s.build.id === id && s.kind === kind)?.build;
    env = {
      tip,
      previous,
      elsewhere,
      handedOver: async () => handed,
      stored: () => store.list({ limit: 1000 }).length,
      ...viaService(service, config),
      finished: (id) => waitFor(`#${id} finished`, () => of(id, "finished")),
      started: (id) => waitFor(`#${id} started`, () => of(id, "started")),
      notifications: (id) => seen.filter((s) => s.build.id === id).map((s) => s.kind),
    };
  });

  afterAll(async () => {
    await backend.close();
    await remote.remove();
    await removeDir(dataDir);
  });

  buildBackendContract(() => env);
});
