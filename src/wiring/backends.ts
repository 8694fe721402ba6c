import type { Logger } from "pino";
import { BuildbotBackend } from "../backends/buildbot/buildbot-backend.js";
import { BuildbotLogSource } from "../backends/buildbot/buildbot-log-source.js";
import { LocalBackend } from "../backends/local/local-backend.js";
import type { SandboxPlan } from "../backends/local/sandbox/sandbox-plan.js";
import type { Config } from "../config/config.js";
import type { BuildService } from "../core/build-service.js";
import type { Clock } from "../core/ports.js";
import type { GitMirrors } from "../git/git-mirrors.js";
import { countingFetch, type Metrics } from "../metrics/metrics.js";
import type { SqliteBuildStore } from "../store/sqlite-build-store.js";
import { fileLogStreamSource } from "../web/log/file-log-stream-source.js";
import {
  type LogStreamSource,
  logSourceByBackend,
  textLogStreamSource,
} from "../web/log/log-stream-source.js";

/** The build backends, attached to the service: the embedded runner, and Buildbot when configured. */
export interface Backends {
  readonly local: LocalBackend;
  readonly buildbot: BuildbotBackend | null;
  /** Each backend's logs as byte ranges, for the web: files on disk, or Buildbot's REST API. */
  readonly logs: LogStreamSource;
  /** The embedded runner reports the builds it ran interrupted; Buildbot's keep running on the master. */
  close(): Promise<void>;
}

export interface BackendParts {
  readonly service: BuildService;
  readonly store: SqliteBuildStore;
  readonly mirrors: GitMirrors;
  readonly sandbox: SandboxPlan | null;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly secrets: readonly string[];
}

export function attachBackends(config: Config, parts: BackendParts): Backends {
  const { service, metrics, logger, clock, secrets } = parts;
  const local = new LocalBackend({
    config,
    mirrors: parts.mirrors,
    sink: service.applyEvent,
    clock,
    logger,
    extraSecrets: secrets,
    sandbox: parts.sandbox,
    onSandboxStartFailure: (repo) => metrics.sandboxStartFailures.inc({ repo }),
    // Waiting builds are held as their numbers and read back when they start.
    findBuild: (id) => parts.store.get(id),
  });
  service.attachBackend(local);
  // Builds of repos with `backend: buildbot` run on the master; status returns by push and reconcile.
  // (AppDeps.fetch is the chat's in tests, so Buildbot keeps the real fetch.)
  const buildbot = config.buildbot
    ? new BuildbotBackend({
        config,
        buildbot: config.buildbot,
        sink: service.applyEvent,
        clock,
        logger,
        fetch: countingFetch(fetch, "buildbot", metrics),
      })
    : null;
  if (buildbot) service.attachBackend(buildbot);
  const logs = logSourceByBackend({
    local: fileLogStreamSource(local.logs, local),
    ...(buildbot
      ? { buildbot: textLogStreamSource(new BuildbotLogSource({ client: buildbot.client, config, secrets })) }
      : {}),
  });
  return {
    local,
    buildbot,
    logs,
    async close() {
      await local.close();
      await buildbot?.close();
    },
  };
}
