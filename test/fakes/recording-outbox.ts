import type { DraftMessage, NewOutboxMessage, OutboxSink } from "../../src/notify/ports.js";

/**
 * An OutboxSink that keeps messages in an array, in enqueue order; completing a draft replaces
 * its payload in place (as the SQLite outbox does), so `messages` reads as what would be sent.
 */
export class RecordingOutbox implements OutboxSink {
  readonly messages: NewOutboxMessage[] = [];

  enqueue(message: NewOutboxMessage): number {
    this.messages.push(message);
    return this.messages.length;
  }

  complete(id: number, payload?: unknown): void {
    const message = this.messages[id - 1];
    if (!message?.draft) return;
    const { draft: _, ...rest } = message;
    this.messages[id - 1] = payload === undefined ? rest : { ...rest, payload };
  }

  drafts(): DraftMessage[] {
    return this.messages.flatMap((m, i) =>
      m.draft ? [{ id: i + 1, buildId: m.buildId, kind: m.kind }] : [],
    );
  }
}
