import type { Clock } from "../core/ports.js";
import type { Sleep } from "./delivery-timing.js";
import type { DeliverableOutbox, DeliveryLogger, DigestPolicy, OutboxMessage, Transport } from "./ports.js";
import type { TokenBucket } from "./token-bucket.js";

export interface OutboxDelivererOptions {
  readonly outbox: DeliverableOutbox;
  readonly transport: Transport;
  /** Whom the transport delivers to, as log lines name it ("Mattermost", "the Git host"). */
  readonly peer: string;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /**
   * During an outage (sends failing one after another), at most this long between tries, whatever
   * each message's own backoff: delivery resumes this soon after the peer is back. Default 5 s.
   */
  readonly probeIntervalMs?: number;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  /** In [0, 1); jitter source. */
  readonly random?: () => number;
  readonly logger?: DeliveryLogger;
  /** Backlogs of one group (finish posts of one channel) as digest posts; absent = never. */
  readonly digest?: DigestPolicy;
  /** Paces sends (config.delivery.rate_per_second / burst); absent = as fast as the peer answers. */
  readonly rateLimit?: TokenBucket;
  /** Told of every message the peer accepted, when (for the delivery latency metric). */
  readonly onDelivered?: (message: OutboxMessage, at: number) => void;
}
