import type { ChatUser } from "../core/chat-command.js";
import type { DirectMessageLevel, DirectMessagePreferences } from "../core/ports.js";
import type { Db } from "./open-database.js";

/**
 * Who asked for direct messages about their builds (migration 16). By chat user id, as the chat
 * platform vouched for it; the name is kept (lower-cased, as Mattermost's usernames are) to find a
 * pusher that mattermost_users names, and refreshed whenever the person sets their choice.
 */
export class SqliteDirectMessages implements DirectMessagePreferences {
  readonly #byId;
  readonly #byName;
  readonly #upsert;
  readonly #delete;
  readonly #clock: () => number;

  constructor(db: Db, clock: () => number = Date.now) {
    this.#clock = clock;
    this.#byId = db.prepare<[string], { level: "failures" | "all" }>(
      "SELECT level FROM direct_message_preferences WHERE user_id = ?",
    );
    // A name can have moved to another account (a rename): the newest choice under it wins.
    this.#byName = db.prepare<[string], { user_id: string; level: "failures" | "all" }>(
      "SELECT user_id, level FROM direct_message_preferences WHERE user_name = ? ORDER BY updated_at DESC LIMIT 1",
    );
    this.#upsert = db.prepare<[string, string, string, number]>(
      `INSERT INTO direct_message_preferences (user_id, user_name, level, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET user_name = excluded.user_name, level = excluded.level,
         updated_at = excluded.updated_at`,
    );
    this.#delete = db.prepare<[string]>("DELETE FROM direct_message_preferences WHERE user_id = ?");
  }

  levelOf(userId: string): DirectMessageLevel {
    return this.#byId.get(userId)?.level ?? "off";
  }

  byName(name: string): { userId: string; level: "failures" | "all" } | undefined {
    const row = this.#byName.get(name.toLowerCase());
    return row ? { userId: row.user_id, level: row.level } : undefined;
  }

  set(user: ChatUser, level: DirectMessageLevel): void {
    if (level === "off") this.#delete.run(user.id);
    else this.#upsert.run(user.id, user.name.toLowerCase(), level, this.#clock());
  }
}
