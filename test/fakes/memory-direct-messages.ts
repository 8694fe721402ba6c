import type { ChatUser } from "../../src/core/chat-command.js";
import type { DirectMessageLevel, DirectMessagePreferences } from "../../src/core/ports.js";

/** Who asked for direct messages, in memory, for tests that have no database (the real one: store/sqlite-direct-messages.ts). */
export class MemoryDirectMessages implements DirectMessagePreferences {
  readonly #people = new Map<string, { name: string; level: "failures" | "all" }>();

  levelOf(userId: string): DirectMessageLevel {
    return this.#people.get(userId)?.level ?? "off";
  }

  byName(name: string): { userId: string; level: "failures" | "all" } | undefined {
    const found = [...this.#people].find(([, person]) => person.name === name.toLowerCase());
    return found ? { userId: found[0], level: found[1].level } : undefined;
  }

  set(user: ChatUser, level: DirectMessageLevel): void {
    if (level === "off") this.#people.delete(user.id);
    else this.#people.set(user.id, { name: user.name.toLowerCase(), level });
  }
}
