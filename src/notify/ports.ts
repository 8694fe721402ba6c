import type { Build, Step } from "../core/build.js";
import type { PostDestination } from "../core/ports.js";

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

/** What a sink's deliverer logs to: a pino-compatible subset. */
export interface DeliveryLogger {
  /** Each post picked and sent (the build timeline at debug level); optional. */
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

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
  /**
   * Pending messages of the same build and these kinds are dropped unsent: this one says all they
   * would (a finish post makes a start post still waiting out an outage stale news).
   */
  readonly supersedes?: readonly string[];
  /** Stored, but not sent until `complete` (its final text is still being made: a failure excerpt). */
  readonly draft?: boolean;
}

/** A draft as stored: enough to finish it. */
export interface DraftMessage {
  readonly id: number;
  readonly buildId: number | null;
  readonly kind: string;
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
  /** Makes a draft sendable, with its final payload (undefined = as stored). */
  complete(id: number, payload?: unknown): void;
  /** Drafts not completed yet, oldest first (after a start: those a crash left). */
  drafts(): readonly DraftMessage[];
}

/** The part of the outbox the deliverer drains. */
export interface DeliverableOutbox {
  nextDue(now: number): OutboxMessage | undefined;
  nextAttemptAt(): number | null;
  markDelivered(id: number, at: number): void;
  reschedule(id: number, at: number, error: string): void;
  markFailed(id: number, error: string): void;
  onEnqueue(listener: () => void): () => void;
  /** Makes every pending message due at `now` (an outage is over: their backoffs are moot). */
  resumeAll?(now: number): number;
  /** Up to `limit` pending messages that are first in line in their build, oldest first, due or not. */
  pendingHeads?(limit: number): OutboxMessage[];
  /** Up to `limit` pending messages of this kind, oldest first, due or not, first in line or not. */
  pendingOfKind?(kind: string, limit: number): OutboxMessage[];
  /** Marks these pending messages delivered (a digest carried them). */
  markManyDelivered?(ids: readonly number[], at: number): void;
}

/**
 * A sink's rule for backlogs (issue 13): when more than `after` messages with the same digest key
 * (e.g. finish posts for one channel) are pending, they go out as a few digest posts instead.
 */
export interface DigestPolicy {
  readonly after: number;
  /**
   * Absent: only messages first in line in their build are candidates (webhook mode: a finish
   * post waits for its build's start post). A kind: every pending message of that kind is, even
   * with older messages of its build still pending, because the digest goes somewhere else than
   * they would (bot mode: one channel post instead of thread replies, while the root post patches
   * before them go out on their own). Such a digest may be sent whatever message came up next.
   */
  readonly ahead?: string;
  /** The digest group of a message (its channel), or null when it never goes in a digest. */
  key(message: OutboxMessage): string | null;
  /** The digest posts for these messages (one group), each with the ids of the messages it carries. */
  compose(messages: readonly OutboxMessage[], now: number, context?: DigestContext): readonly DigestPart[];
}

export interface DigestContext {
  /**
   * Sends were failing just before this digest (it is the probe that may end an outage). Messages
   * a digest carries may never have been tried themselves (bot mode's replies wait behind their
   * root posts), so their own attempts cannot tell.
   */
  readonly failing: boolean;
}

export interface DigestPart {
  readonly payload: unknown;
  readonly covers: readonly number[];
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
  /**
   * `excerpt` is set for a failed or timed-out build when the notifier could read the step's log.
   * Called first with null (stored at once, as drafts) and again with the excerpt: both calls must
   * give the same messages in the same order, only their payloads may differ.
   */
  finished(build: Build, excerpt: Excerpt | null): readonly OutboxDraft[];
  /** Where this sink's posts of the build go and which it gets; absent = it cannot say. */
  destination?(build: Build): PostDestination;
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
