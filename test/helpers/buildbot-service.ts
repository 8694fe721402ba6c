import Fastify, { type FastifyInstance } from "fastify";
import { BuildbotBackend } from "../../src/backends/buildbot/buildbot-backend.js";
import { buildbotStatusRoute } from "../../src/backends/buildbot/status-route.js";
import {
  type BuildbotConfig,
  type BuildbotConfigInput,
  buildbotConfigSchema,
  toBuildbotConfig,
} from "../../src/config/buildbot-schema.js";
import type { Config } from "../../src/config/config.js";
import type { Build } from "../../src/core/build.js";
import { BuildService } from "../../src/core/build-service.js";
import type { BuildStore, StatusNotifier } from "../../src/core/ports.js";
import { openDatabase } from "../../src/store/open-database.js";
import { SqliteBuildStore } from "../../src/store/sqlite-build-store.js";

/**
 * The core wired to a BuildbotBackend the way src/app.ts does it, with a
 * recording notifier in place of Mattermost, for integration tests and the benchmark.
 */

export class RecordingNotifier implements StatusNotifier {
  readonly posts: { kind: "queued" | "started" | "finished"; build: Build }[] = [];
  buildQueued(build: Build) {
    this.posts.push({ kind: "queued", build });
  }
  buildStarted(build: Build) {
    this.posts.push({ kind: "started", build });
  }
  buildFinished(build: Build) {
    this.posts.push({ kind: "finished", build });
  }
  of(id: number, kind: "queued" | "started" | "finished"): Build[] {
    return this.posts.filter((p) => p.kind === kind && p.build.id === id).map((p) => p.build);
  }
}

export function bbConfig(input: BuildbotConfigInput, publicUrl = "http://127.0.0.1:1"): BuildbotConfig {
  return toBuildbotConfig(buildbotConfigSchema.parse(input), publicUrl);
}

export interface WiredService {
  readonly service: BuildService;
  readonly store: BuildStore;
  readonly notifier: RecordingNotifier;
  readonly backend: BuildbotBackend;
}

/** A fresh service on `store` (pass the same store again to model a restart). */
export function wireService(config: Config, bb: BuildbotConfig, store?: BuildStore): WiredService {
  const buildStore = store ?? new SqliteBuildStore(openDatabase(":memory:"));
  const notifier = new RecordingNotifier();
  const service = new BuildService({
    config,
    store: buildStore,
    notifier,
    refs: { branchExists: async () => true },
  });
  const backend = new BuildbotBackend({ config, buildbot: bb, sink: service.applyEvent });
  service.attachBackend(backend);
  return { service, store: buildStore, notifier, backend };
}

/**
 * slashbuild's status route on 127.0.0.1:0, delivering each push to every backend in `receivers`.
 * `down = true` makes it drop connections, as an unreachable slashbuild would.
 */
export interface StatusServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly receivers: Set<BuildbotBackend>;
  down: boolean;
  readonly pushes: number;
  close(): Promise<void>;
}

export async function startStatusServer(secret: string): Promise<StatusServer> {
  const app = Fastify({ logger: false });
  const receivers = new Set<BuildbotBackend>();
  const state = { down: false, pushes: 0 };
  app.addHook("onRequest", async (request) => {
    if (state.down) request.raw.socket.destroy();
  });
  await app.register(buildbotStatusRoute, {
    secret,
    onStatus: async (payload) => {
      state.pushes += 1;
      const matched = await Promise.all([...receivers].map((backend) => backend.handleStatusPush(payload)));
      return matched.some(Boolean);
    },
  });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    app,
    url: `${address}/buildbot/status`,
    receivers,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    get pushes() {
      return state.pushes;
    },
    close: () => app.close(),
  };
}

export { waitFor } from "./service-process.js";
