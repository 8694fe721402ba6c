import type { Config } from "../config/config.js";
import type { Clock, LogTailSource } from "../core/ports.js";
import type { OutboxDelivererOptions } from "./deliverer-options.js";
import { OutboxDeliverer } from "./outbox-deliverer.js";
import type {
  DeliverableOutbox,
  DeliveryLogger,
  DigestPolicy,
  OutboxSink,
  SinkFilter,
  StatusFormatter,
  Transport,
} from "./ports.js";
import { OutboxStatusNotifier } from "./status-notifier.js";
import { TokenBucket } from "./token-bucket.js";

/**
 * One status sink's durable path, from its ports: the notifier that formats into the outbox and
 * the deliverer that drains it through the transport. Mattermost is one such sink (app.ts); a
 * Git host's commit statuses are built the same way from their own formatter and transport.
 */

export interface StatusSinkParts {
  readonly outbox: OutboxSink & DeliverableOutbox;
  readonly transport: Transport;
  /** Who the transport delivers to, as the delivery log names it ("Mattermost", "the Git host"). */
  readonly peer: string;
  readonly formatter: StatusFormatter;
  readonly filter?: SinkFilter;
  /** The end of step logs, for failure excerpts (bounded reads). */
  readonly logs?: LogTailSource;
  /** Paces sends by config.delivery.rate_per_second and burst (false for the console). */
  readonly paced: boolean;
  /** Backlogs as digest posts (the sink's rule); absent = every message on its own. */
  readonly digest?: DigestPolicy;
  readonly logger: DeliveryLogger;
  readonly clock: Clock;
  /** Every secret slashbuild knows: masked in every message this sink stores (core/known-secrets.ts). */
  readonly secrets?: readonly string[];
  /** Every message the sink accepted (the delivery latency metric). */
  readonly onDelivered?: OutboxDelivererOptions["onDelivered"];
}

export interface StatusSink {
  readonly notifier: OutboxStatusNotifier;
  readonly deliverer: OutboxDeliverer;
}

export function createStatusSink(config: Config, parts: StatusSinkParts): StatusSink {
  const notifier = new OutboxStatusNotifier(parts.outbox, config, {
    formatter: parts.formatter,
    ...(parts.filter ? { filter: parts.filter } : {}),
    ...(parts.logs ? { logs: parts.logs } : {}),
    ...(parts.secrets ? { secrets: parts.secrets } : {}),
    onError: (error, build) =>
      parts.logger.warn({ err: error, buildId: build.id }, "could not read the log for a failure excerpt"),
  });
  const deliverer = new OutboxDeliverer({
    outbox: parts.outbox,
    transport: parts.transport,
    peer: parts.peer,
    initialBackoffMs: config.delivery.initialBackoffMs,
    maxBackoffMs: config.delivery.maxBackoffMs,
    probeIntervalMs: config.delivery.probeIntervalMs,
    ...(parts.digest ? { digest: parts.digest } : {}),
    clock: parts.clock,
    logger: parts.logger,
    ...(parts.onDelivered ? { onDelivered: parts.onDelivered } : {}),
    ...(parts.paced
      ? {
          rateLimit: new TokenBucket({
            ratePerSecond: config.delivery.ratePerSecond,
            burst: config.delivery.burst,
            clock: parts.clock,
          }),
        }
      : {}),
  });
  return { notifier, deliverer };
}
