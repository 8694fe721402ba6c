import { stringify } from "yaml";
import { type App, createApp } from "../../src/app.js";
import { generateMasterCfg } from "../../src/backends/buildbot/generate-master-cfg.js";
import type { BuildbotConfig } from "../../src/config/buildbot-schema.js";
import type { Config } from "../../src/config/config.js";
import { parseConfig } from "../../src/config/load-config.js";
import { FakeMattermost } from "../fakes/fake-mattermost.js";
import { type BuildbotHarness, startBuildbot } from "./buildbot-harness.js";
import { makeTempDir, removeDir } from "./git-repo.js";
import { freePort } from "./service-process.js";

/**
 * The whole service (createApp, listening on loopback) in front of a real Buildbot master and
 * worker, both configured from one slashbuild config as `slashbuild buildbot-config` would, with
 * the fake Mattermost's webhook in ~ci.
 */
export interface BuildbotApp {
  readonly app: App;
  readonly url: string;
  readonly mattermost: FakeMattermost;
  readonly harness: BuildbotHarness;
  /** Stops the service, the master and worker and the fake Mattermost, and removes the data dir. */
  close(): Promise<void>;
}

export interface BuildbotAppOptions {
  /** The data dir's name prefix. */
  readonly name: string;
  /** The slash command's token. */
  readonly token: string;
  /** `buildbot:` keys beside the master's address, the credentials and the workers. */
  readonly buildbot?: Readonly<Record<string, unknown>>;
  /** The rest of the config: `repos`, `forges`. */
  readonly config: Readonly<Record<string, unknown>>;
}

export async function startBuildbotApp(options: BuildbotAppOptions): Promise<BuildbotApp> {
  const mattermost = await FakeMattermost.start();
  const dir = await makeTempDir(options.name);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let config: Config | null = null;
  let harness: BuildbotHarness | undefined;
  let app: App | undefined;
  const close = async () => {
    await app?.close();
    await harness?.close();
    await mattermost.close();
    await removeDir(dir);
  };
  try {
    harness = await startBuildbot({
      user: { name: "slashbuild", password: "bb-pass" },
      masterCfg: (ports) => {
        config = parseConfig(
          stringify({
            listen: `127.0.0.1:${port}`,
            public_url: url,
            data_dir: dir,
            log_level: "silent",
            mattermost: { token: options.token, webhook_url: mattermost.addIncomingWebhook("ci") },
            delivery: { initial_backoff: "50ms", max_backoff: "500ms" },
            buildbot: {
              url: ports.url,
              username: "slashbuild",
              password: "bb-pass",
              status_secret: "status-secret-0123456789",
              workers: [{ name: ports.workerName, password: ports.workerPassword }],
              worker_port: ports.workerPort,
              ...options.buildbot,
            },
            ...options.config,
          }),
          { baseDir: dir, env: {} },
        );
        return generateMasterCfg(config, config.buildbot as BuildbotConfig);
      },
    });
    app = await createApp(config as unknown as Config);
    await app.start();
    await app.server.listen({ host: "127.0.0.1", port });
  } catch (error) {
    await close();
    throw error;
  }
  return { app, url, mattermost, harness, close };
}
