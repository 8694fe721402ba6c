import type { BotPayload, ChannelRef } from "../chat/mattermost/bot-payload.js";
import type { ActionOptions } from "../chat/mattermost/build-actions.js";
import { type Excerpt, extractFailureExcerpt, failingStep } from "../chat/mattermost/failure-excerpt.js";
import { formatBuildFinished, formatBuildStarted } from "../chat/mattermost/format-build-message.js";
import { formatFinishReply, formatRootPost } from "../chat/mattermost/format-build-post.js";
import type { Config, RepoConfig } from "../config/config.js";
import type { Build } from "../core/build.js";
import type { LogSource, StatusNotifier } from "../core/ports.js";
import type { NewOutboxMessage } from "../store/sqlite-outbox.js";
import { announcesFinish, announcesProgress, routeChannel } from "./notify-policy.js";

/**
 * StatusNotifier over the outbox: decides what the channel hears (routing and filters), formats
 * it and stores it; the OutboxDeliverer sends it. Nothing here talks to the network, so the core's
 * calls never fail because Mattermost is down.
 *
 * Webhook mode: a post when a build starts and one when it finishes.
 * Bot mode: one root post per build, created when it is queued and patched as it moves (each
 * patch the whole post, so later ones make earlier ones redundant: they coalesce in the outbox),
 * and a thread reply at the finish that @-mentions the requester and quotes the failure.
 */

export interface OutboxSink {
  enqueue(message: NewOutboxMessage): number;
}

export interface NotifierOptions {
  readonly mode?: "webhook" | "bot";
  /** Buttons on posts; null/absent = none. */
  readonly actions?: ActionOptions | null;
  /** Step logs, for failure excerpts; absent = no excerpts. */
  readonly logs?: LogSource;
  /** The branch's previous build with a verdict, for `notify: changes`. */
  readonly previous?: (build: Build) => Build | undefined;
  /** Called when reading a log for an excerpt fails; the post goes out without it. */
  readonly onError?: (error: unknown, build: Build) => void;
  /** Every secret slashbuild knows, masked in posts and excerpts; absent = the build's repo secrets. */
  readonly secrets?: readonly string[];
}

export const BOT_UPDATE = "post_update";
export const BOT_REPLY = "thread_reply";

export class OutboxStatusNotifier implements StatusNotifier {
  readonly #outbox: OutboxSink;
  readonly #config: Config;
  readonly #options: NotifierOptions;
  readonly #pending = new Set<Promise<void>>();

  constructor(outbox: OutboxSink, config: Config, options: NotifierOptions = {}) {
    this.#outbox = outbox;
    this.#config = config;
    this.#options = options;
  }

  get #bot(): boolean {
    return this.#options.mode === "bot";
  }

  buildQueued(build: Build): void {
    // Webhook mode posts nothing on queueing: the slash command's own answer told the requester.
    if (this.#bot && announcesProgress(this.#repo(build))) this.#upsert(build);
  }

  buildStarted(build: Build): void {
    if (!announcesProgress(this.#repo(build))) return;
    if (this.#bot) {
      this.#upsert(build);
      return;
    }
    this.#outbox.enqueue({
      buildId: build.id,
      kind: "build_started",
      payload: formatBuildStarted(build, this.#webhookOptions(build, null)),
    });
  }

  /** "running: step k of n" in bot mode; webhook mode has no post to edit, so stays quiet. */
  buildProgressed(build: Build): void {
    if (this.#bot && announcesProgress(this.#repo(build))) this.#upsert(build);
  }

  buildFinished(build: Build): void {
    const repo = this.#repo(build);
    if (!announcesFinish(repo, build, this.#options.previous?.(build))) return;
    const step = build.status === "failed" || build.status === "timed_out" ? failingStep(build) : undefined;
    const { logs } = this.#options;
    if (!step || !logs) {
      this.#finish(build, null);
      return;
    }
    // Reading the log is the one asynchronous part; nothing else of this build is enqueued after
    // its finish, so order within the build is kept. `settled()` lets shutdown wait for it.
    const task = logs
      .read(build, step.index)
      .then(
        (log) => {
          const text = log === null ? null : extractFailureExcerpt(log, { secrets: this.#secrets(repo) });
          return text === null ? null : { step, text };
        },
        (error: unknown) => {
          this.#options.onError?.(error, build);
          return null;
        },
      )
      .then((excerpt) => this.#finish(build, excerpt))
      .catch((error: unknown) => this.#options.onError?.(error, build));
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
  }

  /** Resolves once every finish waiting for its failure excerpt is in the outbox. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #finish(build: Build, excerpt: Excerpt | null): void {
    if (!this.#bot) {
      this.#outbox.enqueue({
        buildId: build.id,
        kind: "build_finished",
        payload: formatBuildFinished(build, this.#webhookOptions(build, excerpt)),
      });
      return;
    }
    this.#upsert(build);
    const payload: BotPayload = {
      op: "reply",
      buildId: build.id,
      channel: this.#channel(build),
      message: formatFinishReply(build, excerpt, this.#postOptions(build)),
    };
    this.#outbox.enqueue({ buildId: build.id, kind: BOT_REPLY, payload });
  }

  #upsert(build: Build): void {
    const payload: BotPayload = {
      op: "upsert_root",
      buildId: build.id,
      channel: this.#channel(build),
      ...formatRootPost(build, this.#postOptions(build)),
    };
    this.#outbox.enqueue({ buildId: build.id, kind: BOT_UPDATE, payload, coalesce: true });
  }

  /** Bot mode posts where the repo's routing says, else where /build was typed. */
  #channel(build: Build): ChannelRef {
    const routed = routeChannel(this.#repo(build), build.branch);
    return routed ? { name: routed } : { id: build.channelId };
  }

  #repo(build: Build): RepoConfig | undefined {
    return Object.hasOwn(this.#config.repos, build.repo) ? this.#config.repos[build.repo] : undefined;
  }

  #secrets(repo: RepoConfig | undefined): readonly string[] {
    if (this.#options.secrets) return this.#options.secrets;
    return repo ? Object.values(repo.secrets) : [];
  }

  #postOptions(build: Build) {
    return {
      publicUrl: this.#config.publicUrl,
      secrets: this.#secrets(this.#repo(build)),
      actions: this.#options.actions ?? null,
    };
  }

  #webhookOptions(build: Build, excerpt: Excerpt | null) {
    return {
      ...this.#postOptions(build),
      // Webhook mode: the hook's own channel unless routing names one.
      channel: routeChannel(this.#repo(build), build.branch),
      username: this.#config.mattermost.username,
      iconUrl: this.#config.mattermost.iconUrl,
      excerpt,
    };
  }
}
