import type { Clock } from "../core/ports.js";
import type { OutboxDelivererOptions } from "./deliverer-options.js";
import { backoffMs, realSleep, type Sleep, WOKEN } from "./delivery-timing.js";
import { DigestPicker } from "./digest-picker.js";
import type { DeliveryLogger, OutboxMessage, SendOutcome } from "./ports.js";

/**
 * Drains the outbox into one sink's transport, one message at a time. Everything it knows lives in
 * SQLite (attempts, next attempt, errors), so a new deliverer after a restart simply carries on.
 * One send at a time keeps per-build order trivially and means a 429 pause covers all sending.
 */

const NO_LOG: DeliveryLogger = { info() {}, warn() {}, error() {} };

export class OutboxDeliverer {
  readonly #options: OutboxDelivererOptions;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #log: DeliveryLogger;
  readonly #digests: DigestPicker | null;
  #loop: Promise<void> | null = null;
  #stopping = false;
  #waking: AbortController | null = null;
  #wakeRequested = false;
  #unsubscribe: (() => void) | null = null;
  /** A 429 or an outage pauses every message until then (the peer's trouble is not per message). */
  #pausedUntil = 0;
  /** Retryable failures in a row: 0 = healthy; 2 or more = an outage, whose end resumes everything. */
  #failuresInARow = 0;
  /**
   * A delivery the outbox could not record (its disk is full). Nothing is sent until it is: a post
   * Mattermost accepted but the outbox still calls pending would otherwise go out again at every
   * try (27 copies of one post in 20 s, before this). Only deliveries are held: a failed send that
   * cannot be recorded leaves its message pending, and sending it again is what should happen.
   */
  #unrecorded: { readonly context: object; readonly record: () => void; tries: number } | null = null;
  /** Failed sends in a row whose outcome could not be recorded either: their backoff. */
  #unrecordedFailures = 0;

  constructor(options: OutboxDelivererOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? NO_LOG;
    this.#digests = options.digest ? new DigestPicker(options.digest, options.outbox) : null;
  }

  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#unsubscribe = this.#options.outbox.onEnqueue(() => this.wake());
    this.#loop = this.#run();
  }

  /** Look at the outbox again now (called on every enqueue). */
  wake(): void {
    this.#wakeRequested = true;
    this.#waking?.abort(WOKEN);
  }

  /** Resolves once the loop has ended; a send in flight is finished (and recorded) first. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#waking?.abort(WOKEN);
    await this.#loop;
    this.#loop = null;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        const waitMs = await this.#step();
        if (waitMs !== 0) await this.#wait(waitMs);
      } catch (error) {
        // The database or the transport misbehaved in a way it should not; never let the loop die.
        this.#log.error({ err: error }, "outbox delivery loop error");
        await this.#wait(this.#options.initialBackoffMs);
      }
    }
  }

  /** Sends at most one message. Returns how long to wait before the next step: 0 = go on, null = until woken. */
  async #step(): Promise<number | null> {
    const now = this.#clock();
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    if (this.#unrecorded) return this.#recordAgain(this.#unrecorded);
    const { outbox, rateLimit } = this.#options;
    // Wait for a token before choosing a message, so the one sent is the oldest due at send time.
    const tokenWait = rateLimit?.waitMs() ?? 0;
    if (tokenWait > 0) return tokenWait;
    // In an outage a probe goes out every probe interval even when every message is still
    // backing off (the oldest first), so the end of the outage is seen at once.
    const message =
      outbox.nextDue(now) ?? (this.#failuresInARow > 0 ? outbox.nextDue(Number.MAX_SAFE_INTEGER) : undefined);
    if (!message) {
      const at = outbox.nextAttemptAt();
      return at === null ? null : Math.max(1, at - now);
    }
    rateLimit?.tryTake();
    const digest = this.#digests?.pick(message, now, { failing: this.#failuresInARow > 0 });
    if (digest) {
      const stand = { ...digest.stand, payload: digest.part.payload };
      const outcome = await this.#send(stand);
      if (outcome.kind !== "delivered") {
        // A failed digest counts against a message it carries: its attempts mark the backlog as an
        // outage's, and a digest refused for good drops that one message, not an unrelated one.
        return this.#recordOrHold(stand, outcome, () => this.#record(digest.stand, outcome));
      }
      return this.#recordOrHold(stand, outcome, () => {
        outbox.markManyDelivered?.(digest.part.covers, this.#clock());
        this.#digests?.delivered(digest);
        this.#backInBusiness(this.#clock());
      });
    }
    this.#log.debug?.(
      { outboxId: message.id, buildId: message.buildId, kind: message.kind },
      "status post picked",
    );
    const outcome = await this.#send(message);
    this.#log.debug?.(
      { outboxId: message.id, buildId: message.buildId, kind: message.kind, outcome: outcome.kind },
      "status post sent",
    );
    return this.#recordOrHold(message, outcome, () => this.#record(message, outcome));
  }

  /**
   * Runs `record`; 0 = recorded, go on. When it throws (a full disk): a delivery is held until it
   * can be recorded, and a failed send is left pending, to be sent again after a backoff.
   */
  #recordOrHold(message: OutboxMessage, outcome: SendOutcome, record: () => void): number {
    try {
      record();
      this.#unrecordedFailures = 0;
      return 0;
    } catch (error) {
      const context = { outboxId: message.id, buildId: message.buildId, outcome: outcome.kind };
      if (outcome.kind !== "delivered") {
        this.#unrecordedFailures += 1;
        const waitMs = this.#recordBackoff(this.#unrecordedFailures);
        this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock() + waitMs);
        this.#log.warn(
          { err: error, ...context, waitMs },
          "cannot record a failed send (is the disk full?): the post stays pending and is sent again",
        );
        return this.#pausedUntil - this.#clock();
      }
      this.#unrecorded = { context, record, tries: 1 };
      this.#log.error(
        { err: error, ...context },
        "cannot record a status post's delivery (is the disk full?): delivery paused until it can be recorded",
      );
      return this.#recordBackoff(1);
    }
  }

  /** A send got through: if it ended an outage, every post waiting out its own backoff is due now. */
  #backInBusiness(now: number): void {
    if (this.#failuresInARow >= 2) {
      const resumed = this.#options.outbox.resumeAll?.(now) ?? 0;
      this.#log.info(
        { peer: this.#options.peer, resumed, failures: this.#failuresInARow },
        `${this.#options.peer} is reachable again: resuming delivery`,
      );
    }
    this.#failuresInARow = 0;
  }

  /** Tries to record the delivery that could not be; 0 = recorded, go on; else how long to wait. */
  #recordAgain(pending: { readonly context: object; readonly record: () => void; tries: number }): number {
    try {
      pending.record();
    } catch (error) {
      pending.tries += 1;
      const waitMs = this.#recordBackoff(pending.tries);
      this.#log.warn(
        { err: error, ...pending.context, tries: pending.tries, waitMs },
        "still cannot record a status post's delivery: delivery stays paused",
      );
      return waitMs;
    }
    this.#unrecorded = null;
    this.#log.info(
      { ...pending.context, tries: pending.tries },
      "status post delivery recorded: delivery resumes",
    );
    return 0;
  }

  #recordBackoff(tries: number): number {
    const { initialBackoffMs, maxBackoffMs } = this.#options;
    return backoffMs(tries, initialBackoffMs, maxBackoffMs, this.#random);
  }

  /** Whether delivery is paused because an outcome could not be stored (for tests and health). */
  get paused(): boolean {
    return this.#unrecorded !== null;
  }

  async #send(message: OutboxMessage): Promise<SendOutcome> {
    try {
      return await this.#options.transport.send(message.payload);
    } catch (error) {
      return { kind: "retryable", error: error instanceof Error ? error.message : String(error) };
    }
  }

  #record(message: OutboxMessage, outcome: SendOutcome): void {
    const { outbox, initialBackoffMs, maxBackoffMs, peer } = this.#options;
    const now = this.#clock();
    const context = {
      peer,
      outboxId: message.id,
      buildId: message.buildId,
      kind: message.kind,
      attempt: message.attempts + 1,
    };
    switch (outcome.kind) {
      case "delivered":
        outbox.markDelivered(message.id, now);
        this.#options.onDelivered?.(message, now);
        // The outage is over: per-message backoffs would only leave posts waiting for nothing.
        this.#backInBusiness(now);
        return;
      case "rate_limited": {
        const waitMs =
          outcome.retryAfterMs ??
          backoffMs(message.attempts + 1, initialBackoffMs, maxBackoffMs, this.#random);
        this.#pausedUntil = now + waitMs;
        outbox.reschedule(message.id, this.#pausedUntil, outcome.error);
        this.#log.warn({ ...context, waitMs }, `rate limit of ${peer} hit: pausing all status posts to it`);
        return;
      }
      case "retryable": {
        const waitMs = backoffMs(message.attempts + 1, initialBackoffMs, maxBackoffMs, this.#random);
        outbox.reschedule(message.id, now + waitMs, outcome.error);
        // Failures in a row look like an outage: pause everything (one probe at a time rather than
        // every message trying on its own), never longer than the probe interval.
        this.#failuresInARow++;
        const probeMs = Math.min(maxBackoffMs, this.#options.probeIntervalMs ?? 5000);
        this.#pausedUntil = now + backoffMs(this.#failuresInARow, initialBackoffMs, probeMs, this.#random);
        this.#log.warn(
          { ...context, waitMs, error: outcome.error },
          `status post not delivered to ${peer}: will retry`,
        );
        return;
      }
      case "permanent":
        outbox.markFailed(message.id, outcome.error);
        this.#log.error({ ...context, error: outcome.error }, `status post refused by ${peer}: dropped`);
        return;
    }
  }

  /** Waits `ms` (null = indefinitely) unless woken or stopped meanwhile. */
  async #wait(ms: number | null): Promise<void> {
    if (this.#stopping) return;
    if (this.#wakeRequested) {
      // An enqueue arrived while we were busy: look again at once.
      this.#wakeRequested = false;
      return;
    }
    const controller = new AbortController();
    this.#waking = controller;
    try {
      if (ms === null) {
        await new Promise<void>((resolve) =>
          controller.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
      } else {
        await this.#sleep(ms, controller.signal);
      }
    } finally {
      this.#waking = null;
      this.#wakeRequested = false;
    }
  }
}
