import type { Config } from "../config/config.js";
import type { ChatConnection, ChatDeps, ChatPlatform, ChatPlatforms } from "./chat-platform.js";

/** A platform the config uses, opened. */
export interface OpenChat {
  readonly platform: ChatPlatform;
  readonly connection: ChatConnection;
}

/**
 * The platforms this config uses, opened: each one in the list that the config uses, and the
 * stand-ins (the console) only when none of those announces builds, so the quick start prints
 * them and a configured chat is never doubled on stdout.
 */
export function openChats(
  config: Config,
  platforms: ChatPlatforms,
  depsFor: (platform: ChatPlatform) => ChatDeps,
): OpenChat[] {
  const open = (standIn: boolean): OpenChat[] =>
    Object.values(platforms)
      .filter((platform) => platform.standIn === standIn)
      .flatMap((platform) => {
        const connection = platform.open(config, depsFor(platform));
        return connection ? [{ platform, connection }] : [];
      });
  const opened = open(false);
  const chats = opened.some((chat) => chat.connection.announcements) ? opened : [...opened, ...open(true)];
  // Each sink's outbox rows are its own: two platforms under one name would take each other's posts.
  const sinks = chats.flatMap((chat) => chat.connection.announcements?.sink ?? []);
  const shared = sinks.find((sink, index) => sinks.indexOf(sink) !== index);
  if (shared !== undefined) throw new Error(`two chat platforms announce under the outbox sink "${shared}"`);
  return chats;
}
