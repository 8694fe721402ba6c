import type { BuildbotBackendOptions } from "../../src/backends/buildbot/buildbot-backend.js";
import { generateMasterCfg } from "../../src/backends/buildbot/generate-master-cfg.js";
import type { BuildbotConfig, BuildbotConfigInput } from "../../src/config/buildbot-schema.js";
import type { Config } from "../../src/config/config.js";
import type { BuildStore, RefChecker } from "../../src/core/ports.js";
import { createTestRepo, type TestRepo } from "./buildbot-git-repo.js";
import { type BuildbotHarness, startBuildbot } from "./buildbot-harness.js";
import {
  bbConfig,
  type StatusServer,
  startStatusServer,
  type WiredService,
  wireService,
} from "./buildbot-service.js";
import { makeConfig } from "./make-config.js";

/**
 * What every integration test against a real master sets up the same way: the test repo, a
 * config whose repos build on Buildbot, slashbuild's status route, and a master and worker
 * configured by generateMasterCfg, as `slashbuild buildbot-config` would write it.
 */
export interface BuildbotMaster {
  readonly repo: TestRepo;
  readonly config: Config;
  readonly status: StatusServer;
  readonly harness: BuildbotHarness;
  /** The master.cfg the master runs. */
  readonly masterCfg: string;
  /** slashbuild's buildbot: section for this master, with `overrides` on top of the test's settings. */
  bb(overrides?: Partial<BuildbotConfigInput>): BuildbotConfig;
  /**
   * The core wired to a backend for this master (src/app.ts's wiring), receiving the status
   * route's pushes until `close`. `store` and `refs` as wireService takes them.
   */
  wire(
    overrides?: Partial<BuildbotConfigInput>,
    store?: BuildStore,
    refs?: RefChecker,
    options?: Pick<BuildbotBackendOptions, "neverArrivedAfterMs">,
  ): WiredService;
  /** Closes every wired backend, then the master and worker, the status route and the repo. */
  close(): Promise<void>;
}

export interface BuildbotMasterOptions {
  /** The status route's secret. */
  readonly secret: string;
  /** Repos by name, each merged over `{ url: <test repo>, branch: main, backend: buildbot }`. */
  readonly repos: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** buildbot: keys beyond the master's url, the credentials, the status route and the workers. */
  readonly settings?: Partial<BuildbotConfigInput>;
  /** The master runs `edit(generated)` instead of the generated master.cfg: a test's variant of it. */
  readonly edit?: (generated: string) => string;
}

export async function startBuildbotMaster(options: BuildbotMasterOptions): Promise<BuildbotMaster> {
  const repo = createTestRepo();
  const status = await startStatusServer(options.secret);
  const config = makeConfig({
    repos: Object.fromEntries(
      Object.entries(options.repos).map(([name, repoConfig]) => [
        name,
        { url: repo.dir, branch: "main", backend: "buildbot", ...repoConfig },
      ]),
    ),
  });
  let settings: BuildbotConfigInput | undefined;
  let masterCfg = "";
  let harness: BuildbotHarness;
  try {
    harness = await startBuildbot({
      user: { name: "slashbuild", password: "bb-pass" },
      masterCfg: (ports) => {
        settings = {
          url: ports.url,
          username: "slashbuild",
          password: "bb-pass",
          status_secret: options.secret,
          status_url: status.url,
          workers: [{ name: ports.workerName, password: ports.workerPassword }],
          worker_port: ports.workerPort,
          ...options.settings,
        };
        const generated = generateMasterCfg(config, bbConfig(settings));
        masterCfg = options.edit ? options.edit(generated) : generated;
        return masterCfg;
      },
    });
  } catch (error) {
    await status.close();
    repo.close();
    throw error;
  }
  const base = settings;
  if (!base) throw new Error("master.cfg was not generated");
  const bb = (overrides: Partial<BuildbotConfigInput> = {}) => bbConfig({ ...base, ...overrides });
  const wired: WiredService[] = [];
  return {
    repo,
    config,
    status,
    harness,
    masterCfg,
    bb,
    wire(overrides, store, refs, wireOptions) {
      const w = wireService(config, bb(overrides), store, refs, wireOptions);
      status.receivers.add(w.backend);
      wired.push(w);
      return w;
    },
    async close() {
      for (const w of wired.splice(0)) {
        status.receivers.delete(w.backend);
        await w.backend.close();
      }
      await harness.close();
      await status.close();
      repo.close();
    },
  };
}
