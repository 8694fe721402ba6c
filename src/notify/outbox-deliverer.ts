import { setTimeout as delay } from "node:timers/promises";
import type { Clock } from "../core/ports.js";
import type { DeliverableOutbox, OutboxMessage, SendOutcome, Transport } from "./ports.js";
import type { TokenBucket } from "./token-bucket.js";

export type { DeliverableOutbox } from "./ports.js";

/**
 * Drains the outbox into one sink's transport, one message at a time. Everything it knows lives in
 * SQLite (attempts, next attempt, errors), so a new deliverer after a restart simply carries on.
 * One send at a time keeps per-build order trivially and means a 429 pause covers all sending.
 */

/** Resolves after `ms`, or early (without throwing) once `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** pino-compatible subset. */
export interface DeliveryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface OutboxDelivererOptions {
  readonly outbox: DeliverableOutbox;
  readonly transport: Transport;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  /** In [0, 1); jitter source. */
  readonly random?: () => number;
  readonly logger?: DeliveryLogger;
  /** Paces sends (config.delivery.rate_per_second / burst); absent = as fast as the peer answers. */
  readonly rateLimit?: TokenBucket;
  /** Told of every message the chat accepted, when (for the delivery latency metric). */
  readonly onDelivered?: (message: OutboxMessage, at: number) => void;
}

export const realSleep: Sleep = (ms, signal) =>
  delay(ms, undefined, { signal }).catch((error: unknown) => {
    if (!(error instanceof Error && error.name === "AbortError")) throw error;
  });

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so retries of
 * many messages after an outage spread out instead of arriving together.
 * `attempt` counts failures so far, from 1.
 */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const step = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
  const jittered = step / 2 + random() * (step / 2);
  return Math.round(Math.min(maxMs, Math.max(initialMs, jittered)));
}

const NO_LOG: DeliveryLogger = { info() {}, warn() {}, error() {} };

export class OutboxDeliverer {
  readonly #options: OutboxDelivererOptions;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #log: DeliveryLogger;
  #loop: Promise<void> | null = null;
  #stopping = false;
  #waking: AbortController | null = null;
  #wakeRequested = false;
  #unsubscribe: (() => void) | null = null;
  /** A 429 pauses every message until then (Mattermost's limiter is per client, not per message). */
  #pausedUntil = 0;

  constructor(options: OutboxDelivererOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? NO_LOG;
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
    this.#waking?.abort();
  }

  /** Resolves once the loop has ended; a send in flight is finished (and recorded) first. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#waking?.abort();
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
    const { outbox, rateLimit } = this.#options;
    // Wait for a token before choosing a message, so the one sent is the oldest due at send time.
    const tokenWait = rateLimit?.waitMs() ?? 0;
    if (tokenWait > 0) return tokenWait;
    const message = outbox.nextDue(now);
    if (!message) {
      const at = outbox.nextAttemptAt();
      return at === null ? null : Math.max(1, at - now);
    }
    rateLimit?.tryTake();
    const outcome = await this.#send(message);
    this.#record(message, outcome);
    return 0;
  }

  async #send(message: OutboxMessage): Promise<SendOutcome> {
    try {
      return await this.#options.transport.send(message.payload);
    } catch (error) {
      return { kind: "retryable", error: error instanceof Error ? error.message : String(error) };
    }
  }

  #record(message: OutboxMessage, outcome: SendOutcome): void {
    const { outbox, initialBackoffMs, maxBackoffMs } = this.#options;
    const now = this.#clock();
    const context = {
      outboxId: message.id,
      buildId: message.buildId,
      kind: message.kind,
      attempt: message.attempts + 1,
    };
    switch (outcome.kind) {
      case "delivered":
        outbox.markDelivered(message.id, now);
        this.#options.onDelivered?.(message, now);
        return;
      case "rate_limited": {
        const waitMs =
          outcome.retryAfterMs ??
          backoffMs(message.attempts + 1, initialBackoffMs, maxBackoffMs, this.#random);
        this.#pausedUntil = now + waitMs;
        outbox.reschedule(message.id, this.#pausedUntil, outcome.error);
        this.#log.warn({ ...context, waitMs }, "chat rate limit hit: pausing all status posts");
        return;
      }
      case "retryable": {
        const waitMs = backoffMs(message.attempts + 1, initialBackoffMs, maxBackoffMs, this.#random);
        outbox.reschedule(message.id, now + waitMs, outcome.error);
        this.#log.warn({ ...context, waitMs, error: outcome.error }, "status post not delivered: will retry");
        return;
      }
      case "permanent":
        outbox.markFailed(message.id, outcome.error);
        this.#log.error({ ...context, error: outcome.error }, "status post refused by chat: dropped");
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
