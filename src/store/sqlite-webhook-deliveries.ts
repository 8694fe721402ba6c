import type { WebhookDeliveries } from "../core/ports.js";
import type { Db } from "./open-database.js";

/** Delivery ids of webhooks already received (migration 11); one INSERT decides first or repeat. */
export class SqliteWebhookDeliveries implements WebhookDeliveries {
  readonly #insert;
  readonly #delete;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, number]>(
      "INSERT INTO webhook_deliveries (forge, delivery, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    );
    this.#delete = db.prepare<[string, string]>(
      "DELETE FROM webhook_deliveries WHERE forge = ? AND delivery = ?",
    );
  }

  claim(forge: string, delivery: string, at: number): boolean {
    return this.#insert.run(forge, delivery, at).changes === 1;
  }

  release(forge: string, delivery: string): void {
    this.#delete.run(forge, delivery);
  }
}
