import type { DeliverableOutbox, DigestContext, DigestPart, DigestPolicy, OutboxMessage } from "./ports.js";

/**
 * Decides, for the deliverer, when a digest post goes out instead of the message that came up next
 * (issue 13: an outage backlog is news, not noise). A group (a channel) with more than the policy's
 * `after` pending messages gets a digest, composed from what is pending now; the later parts of a
 * digest too long for one post go out next, as composed, while what they carry is still pending,
 * so the tail of a long backlog is never sent post by post. Those later parts are kept in memory:
 * after a restart the messages they carried are still pending, and the rule is applied afresh.
 */

/** How many pending messages a digest looks at, at most (a digest of more would be split anyway). */
const DIGEST_SCAN = 2000;

export interface DigestPick {
  readonly key: string;
  readonly part: DigestPart;
  /**
   * The message the digest stands for in the outbox's books: the one that came up when the digest
   * carries it, else the first one it carries (a digest refused for good drops that one message).
   */
  readonly stand: OutboxMessage;
  /** This digest's parts after this one. */
  readonly later: readonly DigestPart[];
}

export class DigestPicker {
  readonly #policy: DigestPolicy;
  readonly #outbox: DeliverableOutbox;
  /** Parts still to send of digests already begun, by group. */
  readonly #later = new Map<string, readonly DigestPart[]>();

  constructor(policy: DigestPolicy, outbox: DeliverableOutbox) {
    this.#policy = policy;
    this.#outbox = outbox;
  }

  /** The digest post to send instead of `message`, or null to send `message` itself. */
  pick(message: OutboxMessage, now: number, context: DigestContext = { failing: false }): DigestPick | null {
    const groups = this.#groups(message);
    if (groups.size === 0) return null;
    for (const [key, parts] of this.#later) {
      const group = groups.get(key) ?? [];
      const pending = new Set(group.map((m) => m.id));
      const [next, ...later] = parts;
      if (next?.covers.every((id) => pending.has(id))) {
        return { key, part: next, stand: standIn(next, group, message), later };
      }
      // What it carries changed meanwhile (a message refused for good): compose afresh.
      this.#later.delete(key);
    }
    for (const [key, group] of groups) {
      if (group.length <= this.#policy.after) continue;
      const [part, ...later] = this.#policy.compose(group, now, context);
      if (part) return { key, part, stand: standIn(part, group, message), later };
    }
    return null;
  }

  /** The pick went out: its later parts are next. */
  delivered(pick: DigestPick): void {
    if (pick.later.length > 0) this.#later.set(pick.key, pick.later);
    else this.#later.delete(pick.key);
  }

  /**
   * The candidate groups, the chosen message's first. In order (webhook mode) only messages first
   * in line in their build count, and a new digest only replaces a message of its own group; with
   * `ahead` (bot mode) every pending message of that kind counts, whatever came up.
   */
  #groups(message: OutboxMessage): Map<string, OutboxMessage[]> {
    const policy = this.#policy;
    const own = policy.key(message);
    const groups = new Map<string, OutboxMessage[]>();
    let candidates: OutboxMessage[];
    if (policy.ahead !== undefined) {
      candidates = this.#outbox.pendingOfKind?.(policy.ahead, DIGEST_SCAN) ?? [];
      if (candidates.length <= policy.after && this.#later.size === 0) return groups;
    } else {
      if (own === null && this.#later.size === 0) return groups;
      candidates = this.#outbox.pendingHeads?.(DIGEST_SCAN) ?? [];
    }
    if (own !== null) groups.set(own, []);
    for (const candidate of candidates) {
      const key = policy.key(candidate);
      if (key === null) continue;
      if (policy.ahead === undefined && key !== own && !this.#later.has(key)) continue;
      const group = groups.get(key);
      if (group) group.push(candidate);
      else groups.set(key, [candidate]);
    }
    return groups;
  }
}

function standIn(part: DigestPart, group: readonly OutboxMessage[], chosen: OutboxMessage): OutboxMessage {
  if (part.covers.includes(chosen.id)) return chosen;
  return group.find((m) => part.covers.includes(m.id)) ?? chosen;
}
