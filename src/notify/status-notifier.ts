import type { Config, RepoConfig } from "../config/config.js";
import type { Build } from "../core/build.js";
import { maskDeep } from "../core/known-secrets.js";
import type { LogSource, StatusNotifier } from "../core/ports.js";
import { extractFailureExcerpt, failingStep } from "./failure-excerpt.js";
import type { Excerpt, OutboxDraft, OutboxSink, SinkFilter, StatusFormatter } from "./ports.js";

/**
 * StatusNotifier over the outbox, for one sink: decides whether each moment is announced (the
 * sink's filter), reads the failure excerpt, lets the sink's formatter shape the messages, and
 * stores them; the OutboxDeliverer sends them. Nothing here talks to the network, so the core's
 * calls never fail because a peer is down. It knows no sink: Mattermost's formatters live in
 * chat/mattermost/status-formatters.ts.
 */

export interface NotifierOptions {
  /** Shapes this sink's messages. */
  readonly formatter: StatusFormatter;
  /** Which moments this sink announces; absent = every one. */
  readonly filter?: SinkFilter;
  /** Step logs, for failure excerpts; absent = no excerpts. */
  readonly logs?: LogSource;
  /** Called when reading a log for an excerpt fails; the message goes out without it. */
  readonly onError?: (error: unknown, build: Build) => void;
  /** Every secret slashbuild knows, masked in excerpts and in every stored message; absent = the build's repo secrets. */
  readonly secrets?: readonly string[];
}

export class OutboxStatusNotifier implements StatusNotifier {
  readonly #outbox: OutboxSink;
  readonly #config: Config;
  readonly #options: NotifierOptions;
  readonly #pending = new Set<Promise<void>>();

  constructor(outbox: OutboxSink, config: Config, options: NotifierOptions) {
    this.#outbox = outbox;
    this.#config = config;
    this.#options = options;
  }

  buildQueued(build: Build): void {
    if (this.#progress(build)) this.#enqueue(build, this.#options.formatter.queued(build));
  }

  buildStarted(build: Build): void {
    if (this.#progress(build)) this.#enqueue(build, this.#options.formatter.started(build));
  }

  buildProgressed(build: Build): void {
    if (this.#progress(build)) this.#enqueue(build, this.#options.formatter.progressed(build));
  }

  buildFinished(build: Build): void {
    if (this.#options.filter && !this.#options.filter.finish(build)) return;
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
          const text = log === null ? null : extractFailureExcerpt(log, { secrets: this.#secrets(build) });
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
    this.#enqueue(build, this.#options.formatter.finished(build, excerpt));
  }

  #progress(build: Build): boolean {
    return this.#options.filter?.progress(build) ?? true;
  }

  #enqueue(build: Build, drafts: readonly OutboxDraft[]): void {
    // Whatever a formatter put in a message (reason, step names, excerpt), no secret is stored or sent.
    const secrets = this.#secrets(build);
    for (const draft of drafts) {
      this.#outbox.enqueue({ ...draft, payload: maskDeep(draft.payload, secrets), buildId: build.id });
    }
  }

  #secrets(build: Build): readonly string[] {
    if (this.#options.secrets) return this.#options.secrets;
    const repo: RepoConfig | undefined = Object.hasOwn(this.#config.repos, build.repo)
      ? this.#config.repos[build.repo]
      : undefined;
    return repo ? Object.values(repo.secrets) : [];
  }
}
