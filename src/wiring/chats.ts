import type { Writable } from "node:stream";
import type { Logger } from "pino";
import { type ChatPlatforms, platformNames } from "../chat/chat-platform.js";
import { type OpenChat, openChats } from "../chat/open-chats.js";
import type { Config } from "../config/config.js";
import type { Clock } from "../core/ports.js";
import { SqliteChatPosts } from "../store/sqlite-chat-posts.js";
import type { Storage } from "./open-storage.js";

export interface ChatParts {
  readonly storage: Storage;
  readonly clock: Clock;
  /** fetch for a platform's API, counted in /metrics under the platform's name. */
  readonly fetchFor: (platform: string) => typeof fetch;
  readonly out: Writable;
  readonly secrets: readonly string[];
  /** The Git hosts' names; the platforms' own are added. */
  readonly hostNames: readonly string[];
  readonly logger: Logger;
}

/** The chat platforms this config uses (chat/open-chats.ts), opened over the app's database and clock. */
export function wireChats(config: Config, platforms: ChatPlatforms, parts: ChatParts): OpenChat[] {
  const { storage, clock } = parts;
  const rootPosts = new SqliteChatPosts(storage.db, clock);
  const properNames = [...parts.hostNames, ...platformNames(platforms)];
  return openChats(config, platforms, (platform) => ({
    clock,
    fetch: parts.fetchFor(platform.name),
    out: parts.out,
    rootPosts,
    findBuild: (id) => storage.store.get(id),
    previous: (build) => storage.store.previousVerdict(build),
    secrets: parts.secrets,
    properNames,
    logger: parts.logger,
  }));
}
