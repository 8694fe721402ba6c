import { formatBuildFinished, formatBuildStarted } from "../chat/mattermost/format-build-message.js";
import type { Config } from "../config/config.js";
import type { Build } from "../core/build.js";
import type { StatusNotifier } from "../core/ports.js";
import type { NewOutboxMessage } from "../store/sqlite-outbox.js";

/**
 * StatusNotifier over the outbox: formats the post and stores it; the OutboxDeliverer sends it.
 * Nothing here talks to the network, so the core's calls are synchronous and never fail
 * because Mattermost is down.
 */

export interface OutboxSink {
  enqueue(message: NewOutboxMessage): number;
}

export class OutboxStatusNotifier implements StatusNotifier {
  readonly #outbox: OutboxSink;
  readonly #config: Config;

  constructor(outbox: OutboxSink, config: Config) {
    this.#outbox = outbox;
    this.#config = config;
  }

  buildQueued(_build: Build): void {
    // Webhook mode posts nothing on queueing: the slash command's own answer already told the
    // requester. Bot mode will post here and edit that post as the build advances.
  }

  buildStarted(build: Build): void {
    this.#outbox.enqueue({
      buildId: build.id,
      kind: "build_started",
      payload: formatBuildStarted(build, this.#options(build)),
    });
  }

  buildFinished(build: Build): void {
    this.#outbox.enqueue({
      buildId: build.id,
      kind: "build_finished",
      payload: formatBuildFinished(build, this.#options(build)),
    });
  }

  #options(build: Build) {
    const repo = this.#config.repos[build.repo];
    return {
      publicUrl: this.#config.publicUrl,
      secrets: repo ? Object.values(repo.secrets) : [],
      channel: repo?.notifyChannel ?? null,
      username: this.#config.mattermost.username,
      iconUrl: this.#config.mattermost.iconUrl,
    };
  }
}
