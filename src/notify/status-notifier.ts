import type { Config, RepoConfig } from "../config/config.js";
import type { Build, Step } from "../core/build.js";
import { maskDeep } from "../core/known-secrets.js";
import type { LogTailSource, PostDestination, StatusNotifier } from "../core/ports.js";
import { EXCERPT_WINDOW_BYTES, extractFailureExcerpt, failingStep } from "./failure-excerpt.js";
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
  /** The end of step logs, for failure excerpts; absent = no excerpts. */
  readonly logs?: LogTailSource;
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
    const step = this.#excerptStep(build);
    if (!step) {
      this.#enqueue(build, this.#options.formatter.finished(build, null));
      return;
    }
    // The excerpt needs the log, read asynchronously; but this call runs inside the state change's
    // transaction. So the finish is stored now, as drafts (their text without the excerpt), and
    // completed once the log is read: a crash in between leaves drafts, never a lost finish post.
    const ids = this.#options.formatter
      .finished(build, null)
      .map((draft) => this.#outbox.enqueue({ ...draft, buildId: build.id, draft: true }));
    this.#completeLater(ids, build, step);
  }

  /**
   * At startup: completes the finish posts a crash left as drafts (the log is read again for the
   * excerpt). Drafts whose build is gone are sent as stored.
   */
  resumeDrafts(findBuild: (id: number) => Build | undefined): void {
    const byBuild = new Map<number | null, number[]>();
    for (const draft of this.#outbox.drafts()) {
      byBuild.set(draft.buildId, [...(byBuild.get(draft.buildId) ?? []), draft.id]);
    }
    for (const [buildId, ids] of byBuild) {
      const build = buildId === null ? undefined : findBuild(buildId);
      const step = build ? this.#excerptStep(build) : undefined;
      if (build && step) this.#completeLater(ids, build, step);
      else for (const id of ids) this.#outbox.complete(id);
    }
  }

  /** Where the build's posts go, as the sink's formatter says. */
  destination(build: Build): PostDestination | undefined {
    return this.#options.formatter.destination?.(build);
  }

  /** Resolves once every finish waiting for its failure excerpt is complete in the outbox. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** The step a failure post quotes; undefined = no excerpt (not a failure, or no logs). */
  #excerptStep(build: Build): Step | undefined {
    if (!this.#options.logs) return undefined;
    return build.status === "failed" || build.status === "timed_out" ? failingStep(build) : undefined;
  }

  /** Reads the end of the failing step's log (bounded) and completes the drafts with the excerpt. */
  #completeLater(ids: readonly number[], build: Build, step: Step): void {
    const logs = this.#options.logs;
    if (!logs) return;
    const task = logs
      .readTail(build, step.index, EXCERPT_WINDOW_BYTES)
      .then(
        (tail) => {
          const text =
            tail === null ? null : extractFailureExcerpt(tail.text, { secrets: this.#secrets(build) });
          return text === null ? null : { step, text };
        },
        (error: unknown) => {
          this.#options.onError?.(error, build);
          return null;
        },
      )
      .then((excerpt) => this.#complete(ids, build, excerpt))
      .catch((error: unknown) => {
        this.#options.onError?.(error, build);
        for (const id of ids) this.#outbox.complete(id);
      });
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
  }

  #complete(ids: readonly number[], build: Build, excerpt: Excerpt | null): void {
    const messages = this.#options.formatter.finished(build, excerpt);
    const secrets = this.#secrets(build);
    ids.forEach((id, index) => {
      // Same messages, same order (StatusFormatter's contract); anything else goes out as stored.
      const payload = messages.length === ids.length ? messages[index]?.payload : undefined;
      this.#outbox.complete(id, payload === undefined ? undefined : maskDeep(payload, secrets));
    });
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
