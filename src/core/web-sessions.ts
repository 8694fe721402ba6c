/**
 * Server-side web sessions (issue 8, item 2): a cookie holds only a random id, the store keeps what
 * it means, so signing out or changing a password ends a session at once. The port lives in core
 * so that store/ implements it and web/ uses it without either importing the other.
 */
export interface WebSession {
  /** SHA-256 of the cookie's id: the database never holds a usable cookie. */
  readonly idHash: string;
  readonly user: string;
  /** The identity permission checks use (web:<name>, or the Mattermost user id). */
  readonly userId: string;
  /** How the user signed in: "password" (web.users), or another method (e.g. "mattermost"). */
  readonly kind: string;
  /** Fingerprint of the credential the session was made with; when it changes, the session ends. */
  readonly credential: string | null;
  /** The CSRF token of this session's forms is derived from it. */
  readonly nonce: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface WebSessionStore {
  create(session: WebSession): void;
  find(idHash: string): WebSession | undefined;
  delete(idHash: string): void;
  /** Ends every session of a user (e.g. after a password change or removal). */
  deleteUser(user: string): void;
  /** Records a sign-in form's nonce as used; false when it already was (single use). */
  useNonce(nonce: string, expiresAt: number): boolean;
  /** Forgets expired sessions and nonces. */
  prune(now: number): void;
}

/** For tests and tools that need no persistence: the same contract in memory. */
export class MemoryWebSessions implements WebSessionStore {
  readonly #sessions = new Map<string, WebSession>();
  readonly #nonces = new Map<string, number>();

  create(session: WebSession): void {
    this.#sessions.set(session.idHash, session);
  }
  find(idHash: string): WebSession | undefined {
    return this.#sessions.get(idHash);
  }
  delete(idHash: string): void {
    this.#sessions.delete(idHash);
  }
  deleteUser(user: string): void {
    for (const [key, session] of this.#sessions) if (session.user === user) this.#sessions.delete(key);
  }
  useNonce(nonce: string, expiresAt: number): boolean {
    if (this.#nonces.has(nonce)) return false;
    this.#nonces.set(nonce, expiresAt);
    return true;
  }
  prune(now: number): void {
    for (const [key, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(key);
    for (const [key, expiresAt] of this.#nonces) if (expiresAt <= now) this.#nonces.delete(key);
  }
}
