import type { WebSession, WebSessionStore } from "../core/web-sessions.js";
import type { Db } from "./open-database.js";

interface SessionRow {
  id_hash: string;
  user: string;
  user_id: string;
  kind: string;
  credential: string | null;
  nonce: string;
  created_at: number;
  expires_at: number;
}

/** Web sessions and used sign-in nonces in SQLite (migration 4), so they survive a restart. */
export class SqliteWebSessions implements WebSessionStore {
  readonly #insert;
  readonly #find;
  readonly #delete;
  readonly #deleteUser;
  readonly #useNonce;
  readonly #pruneSessions;
  readonly #pruneNonces;

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT INTO web_sessions (id_hash, user, user_id, kind, credential, nonce, created_at, expires_at)
       VALUES (@idHash, @user, @userId, @kind, @credential, @nonce, @createdAt, @expiresAt)`,
    );
    this.#find = db.prepare<[string], SessionRow>("SELECT * FROM web_sessions WHERE id_hash = ?");
    this.#delete = db.prepare("DELETE FROM web_sessions WHERE id_hash = ?");
    this.#deleteUser = db.prepare("DELETE FROM web_sessions WHERE user = ?");
    this.#useNonce = db.prepare("INSERT OR IGNORE INTO web_login_nonces (nonce, expires_at) VALUES (?, ?)");
    this.#pruneSessions = db.prepare("DELETE FROM web_sessions WHERE expires_at <= ?");
    this.#pruneNonces = db.prepare("DELETE FROM web_login_nonces WHERE expires_at <= ?");
  }

  create(session: WebSession): void {
    this.#insert.run(session);
  }

  find(idHash: string): WebSession | undefined {
    const row = this.#find.get(idHash);
    return row
      ? {
          idHash: row.id_hash,
          user: row.user,
          userId: row.user_id,
          kind: row.kind,
          credential: row.credential,
          nonce: row.nonce,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        }
      : undefined;
  }

  delete(idHash: string): void {
    this.#delete.run(idHash);
  }

  deleteUser(user: string): void {
    this.#deleteUser.run(user);
  }

  useNonce(nonce: string, expiresAt: number): boolean {
    return this.#useNonce.run(nonce, expiresAt).changes === 1;
  }

  prune(now: number): void {
    this.#pruneSessions.run(now);
    this.#pruneNonces.run(now);
  }
}
