import type { BotPayload, ChannelRef } from "../chat/mattermost/bot-payload.js";
import type { ActionOptions } from "../chat/mattermost/build-actions.js";
import {
  EXCERPT_WINDOW_BYTES,
  type Excerpt,
  extractFailureExcerpt,
  failingStep,
} from "../chat/mattermost/failure-excerpt.js";
import { formatBuildFinished, formatBuildStarted } from "../chat/mattermost/format-build-message.js";
import { formatFinishReply, formatRootPost } from "../chat/mattermost/format-build-post.js";
import type { Config, RepoConfig } from "../config/config.js";
import { channelAllowed } from "../core/authorize.js";
import type { Build, Step } from "../core/build.js";
import { type ChatChannel, WEB_CHANNEL } from "../core/chat-command.js";
import type { LogTailSource, PostDestination, StatusNotifier } from "../core/ports.js";
import type { DraftMessage, NewOutboxMessage } from "../store/sqlite-outbox.js";
import { announcesFinish, announcesProgress, filterOf, routeChannel } from "./notify-policy.js";

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
  /** Makes a draft sendable, with its final payload (undefined = as stored). */
  complete(id: number, payload?: unknown): void;
  /** Drafts not completed yet (after a start: those a crash left). */
  drafts(): readonly DraftMessage[];
}

export interface NotifierOptions {
  /** Console mode formats as webhook mode does; it only differs in where posts are said to go. */
  readonly mode?: "webhook" | "bot" | "console";
  /** Buttons on posts; null/absent = none. */
  readonly actions?: ActionOptions | null;
  /** The end of step logs, for failure excerpts; absent = no excerpts. */
  readonly logs?: LogTailSource;
  /** The branch's previous build with a verdict, for `notify: changes`. */
  readonly previous?: (build: Build) => Build | undefined;
  /** A build by id: a web rebuild's posts go to its original build's channel (bot mode). */
  readonly builds?: (id: number) => Build | undefined;
  /** Called when reading a log for an excerpt fails; the post goes out without it. */
  readonly onError?: (error: unknown, build: Build) => void;
}

/**
 * Where a build's posts go: a channel named by routing; in bot mode the channel the build was asked
 * for from (for a web rebuild, its original build's); in webhook and console mode the hook's own
 * channel (or stdout), whose name slashbuild does not know.
 */
type Place =
  | { readonly kind: "routed"; readonly name: string }
  | { readonly kind: "origin"; readonly channel: ChatChannel }
  | { readonly kind: "hook" };

/** How far back a chain of web rebuilds is followed to find a chat channel. */
const MAX_REBUILD_CHAIN = 20;

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

  destination(build: Build): PostDestination {
    const when = filterOf(this.#repo(build));
    const place = this.#place(build);
    if (!place) return { where: null, when };
    if (place.kind === "routed") return { where: { kind: "channel", name: place.name }, when };
    if (place.kind === "hook")
      return { where: { kind: this.#options.mode === "console" ? "console" : "webhook" }, when };
    return place.channel.id === build.channelId
      ? { where: { kind: "here" }, when }
      : { where: { kind: "channel", name: place.channel.name }, when };
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
    const step = this.#excerptStep(build);
    if (this.#bot) this.#upsert(build);
    const message = this.#finishMessage(build, null);
    if (!message) return;
    if (!step) {
      this.#outbox.enqueue(message);
      return;
    }
    // The excerpt needs the log, which is read asynchronously; but this call runs inside the state
    // change's transaction. So the finish is stored now as a draft (its text without the excerpt)
    // and completed once the log is read: a crash in between leaves a draft, never a lost post.
    const id = this.#outbox.enqueue({ ...message, draft: true });
    this.#completeLater(id, build, step);
  }

  /**
   * At startup: completes the finish posts a crash left as drafts (the log is read again for the
   * excerpt). A draft whose build is gone is sent as it was stored.
   */
  resumeDrafts(builds: (id: number) => Build | undefined): void {
    for (const draft of this.#outbox.drafts()) {
      const build = draft.buildId === null ? undefined : builds(draft.buildId);
      const step = build ? this.#excerptStep(build) : undefined;
      if (build && step) this.#completeLater(draft.id, build, step);
      else this.#outbox.complete(draft.id);
    }
  }

  /** Resolves once every finish waiting for its failure excerpt is complete in the outbox. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** The step whose output a failure post quotes; undefined = no excerpt (success, or no logs). */
  #excerptStep(build: Build): Step | undefined {
    if (!this.#options.logs) return undefined;
    return build.status === "failed" || build.status === "timed_out" ? failingStep(build) : undefined;
  }

  /** Reads the failing step's log and completes draft `id` with the excerpt (without it if unreadable). */
  #completeLater(id: number, build: Build, step: Step): void {
    const logs = this.#options.logs;
    if (!logs) return;
    const secrets = this.#secrets(this.#repo(build));
    const task = logs
      .readTail(build, step.index, EXCERPT_WINDOW_BYTES)
      .then(
        (tail) => {
          const text = tail === null ? null : extractFailureExcerpt(tail.text, { secrets });
          return text === null ? null : { step, text };
        },
        (error: unknown) => {
          this.#options.onError?.(error, build);
          return null;
        },
      )
      .then((excerpt) => this.#outbox.complete(id, this.#finishMessage(build, excerpt)?.payload))
      .catch((error: unknown) => this.#options.onError?.(error, build));
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
  }

  /** The post that announces the finish: webhook mode's finish post, or bot mode's thread reply. */
  #finishMessage(build: Build, excerpt: Excerpt | null): NewOutboxMessage | null {
    if (!this.#bot) {
      return {
        buildId: build.id,
        kind: "build_finished",
        payload: formatBuildFinished(build, this.#webhookOptions(build, excerpt)),
      };
    }
    const channel = this.#channel(build);
    if (!channel) return null;
    const payload: BotPayload = {
      op: "reply",
      buildId: build.id,
      channel,
      message: formatFinishReply(build, excerpt, this.#postOptions(build)),
    };
    return { buildId: build.id, kind: BOT_REPLY, payload };
  }

  #upsert(build: Build): void {
    const channel = this.#channel(build);
    // Nowhere to post (a web rebuild whose chain never touched chat, and no routing): stay quiet.
    if (!channel) return;
    const payload: BotPayload = {
      op: "upsert_root",
      buildId: build.id,
      channel,
      ...formatRootPost(build, this.#postOptions(build)),
    };
    this.#outbox.enqueue({ buildId: build.id, kind: BOT_UPDATE, payload, coalesce: true });
  }

  /** Bot mode posts where the repo's routing says, else where /build was typed; null = nowhere. */
  #channel(build: Build): ChannelRef | null {
    const place = this.#place(build);
    if (!place || place.kind === "hook") return null;
    return place.kind === "routed" ? { name: place.name } : { id: place.channel.id };
  }

  #place(build: Build): Place | null {
    const routed = routeChannel(this.#repo(build), build.branch);
    if (routed) return { kind: "routed", name: routed };
    if (!this.#bot) return { kind: "hook" };
    const origin = this.#origin(build);
    return origin ? { kind: "origin", channel: origin } : null;
  }

  /** The chat channel a build was asked for from; a web rebuild inherits its original build's. */
  #origin(build: Build): ChatChannel | null {
    let current: Build | undefined = build;
    for (let hops = 0; current && hops < MAX_REBUILD_CHAIN; hops++) {
      if (current.channelId !== WEB_CHANNEL.id) return { id: current.channelId, name: current.channelName };
      current = current.rebuildOf === null ? undefined : this.#options.builds?.(current.rebuildOf);
    }
    return null;
  }

  /**
   * Stop and Rebuild run the typed commands in the channel where they are clicked, with the same
   * channel checks: a button that would be refused there is not shown. The webhook's own channel is
   * unknown to slashbuild, so its posts keep every button.
   */
  #actions(build: Build): ActionOptions | null {
    const actions = this.#options.actions ?? null;
    const place = this.#place(build);
    if (!actions || !place || place.kind === "hook") return actions;
    const channel = place.kind === "routed" ? { id: place.name, name: place.name } : place.channel;
    const repo = this.#repo(build) ?? null;
    return {
      ...actions,
      usable: {
        stop: channelAllowed(this.#config, null, channel),
        rebuild: repo !== null && channelAllowed(this.#config, repo, channel),
      },
    };
  }

  #repo(build: Build): RepoConfig | undefined {
    return Object.hasOwn(this.#config.repos, build.repo) ? this.#config.repos[build.repo] : undefined;
  }

  #secrets(repo: RepoConfig | undefined): string[] {
    return repo ? Object.values(repo.secrets) : [];
  }

  #postOptions(build: Build) {
    return {
      publicUrl: this.#config.publicUrl,
      secrets: this.#secrets(this.#repo(build)),
      actions: this.#actions(build),
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
