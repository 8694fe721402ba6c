import type { Build, Step } from "../core/build.js";

/**
 * notify/'s ports: what a status sink (Mattermost today, a Git host's commit statuses next) plugs
 * in. notify/ owns the durable path (formatter → outbox → deliverer → transport) and imports no
 * sink: each sink implements these in its own folder (chat/mattermost/ for Mattermost) and app.ts
 * wires them. docs/architecture.md shows how a second sink plugs in.
 *
 *   StatusNotifier (core) → OutboxStatusNotifier → StatusFormatter (per sink) → OutboxSink
 *   OutboxDeliverer ← DeliverableOutbox;  OutboxDeliverer → Transport (per sink) → SendOutcome
 */

/**
 * What a transport says about one delivery. Transports classify; the deliverer decides what each
 * class means (mark delivered, pause everything, back off, give up).
 */
export type SendOutcome =
  | { readonly kind: "delivered" }
  /** 429: the peer's limit is global, so all sending pauses; retryAfterMs null = not stated. */
  | { readonly kind: "rate_limited"; readonly retryAfterMs: number | null; readonly error: string }
  /** 5xx, timeouts, refused or reset connections: the peer may come back, so retry forever. */
  | { readonly kind: "retryable"; readonly error: string }
  /** Any other 4xx: sending the same message again cannot succeed. */
  | { readonly kind: "permanent"; readonly error: string };

/**
 * Hands one stored payload to a sink's peer. Never throws for a failed delivery: it returns the
 * outcome (test/contracts/chat-transport-contract.ts holds every transport to this).
 */
export interface Transport {
  send(payload: unknown): Promise<SendOutcome>;
}

/** The name chat code has always used for a Transport. */
export type ChatTransport = Transport;

/** A message to store before any attempt to send it. */
export interface NewOutboxMessage {
  /** null for messages tied to no build; those are ordered by nothing but their own schedule. */
  readonly buildId: number | null;
  /** What the message is about, e.g. "build_started" (for logs, and for coalescing). */
  readonly kind: string;
  /** JSON-serialisable body handed to the transport as is. */
  readonly payload: unknown;
  /** This message carries the full state: older pending messages of the same build and kind may be skipped. */
  readonly coalesce?: boolean;
}

/** A stored message as the deliverer sees it. */
export interface OutboxMessage {
  readonly id: number;
  readonly buildId: number | null;
  readonly kind: string;
  readonly payload: unknown;
  /** Attempts made so far (0 for a message never tried). */
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly createdAt: number;
}

/** Where formatted messages go: a durable store (store/sqlite-outbox.ts). */
export interface OutboxSink {
  enqueue(message: NewOutboxMessage): number;
}

/** The part of the outbox the deliverer drains. */
export interface DeliverableOutbox {
  nextDue(now: number): OutboxMessage | undefined;
  nextAttemptAt(): number | null;
  markDelivered(id: number, at: number): void;
  reschedule(id: number, at: number, error: string): void;
  markFailed(id: number, error: string): void;
  onEnqueue(listener: () => void): () => void;
}

/** A message a formatter wants sent; the notifier adds the build id and stores it. */
export type OutboxDraft = Omit<NewOutboxMessage, "buildId">;

/** The failing step's last lines, masked (failure-excerpt.ts). */
export interface Excerpt {
  readonly step: Step;
  readonly text: string;
}

/**
 * One sink's formatter: the messages it sends at each point of a build's life, in its own payload
 * shape (an empty list = this sink says nothing then). Pure and synchronous; the notifier has
 * already decided whether the moment is announced at all (SinkFilter).
 */
export interface StatusFormatter {
  queued(build: Build): readonly OutboxDraft[];
  started(build: Build): readonly OutboxDraft[];
  /** A step began. */
  progressed(build: Build): readonly OutboxDraft[];
  /** `excerpt` is set for a failed or timed-out build when the notifier could read the step's log. */
  finished(build: Build, excerpt: Excerpt | null): readonly OutboxDraft[];
}

/**
 * Which moments a sink announces. Chat follows each repo's `notify` filter (notify-policy.ts); a
 * commit-status sink reports every moment, so it passes none.
 */
export interface SinkFilter {
  /** Queued, started and step progress. */
  progress(build: Build): boolean;
  finish(build: Build): boolean;
}
