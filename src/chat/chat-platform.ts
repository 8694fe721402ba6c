import type { Writable } from "node:stream";
import type { FastifyPluginAsync } from "fastify";
import type { Config } from "../config/config.js";
import type { Build } from "../core/build.js";
import type { ChatCommand, Reply } from "../core/chat-command.js";
import type { Clock } from "../core/ports.js";
import type { DeliveryLogger, DigestPolicy, StatusFormatter, Transport } from "../notify/ports.js";
import type { RootPostStore } from "./root-post-store.js";

/**
 * Everything slashbuild needs of one chat platform, in one object: the platform's folder under
 * src/chat/ implements it, and the platform list (chat-platforms.ts) names it once. The app asks
 * the platform and never tests which one it is: who may build what, where, is the core's rule
 * (config `access:`, core/authorize.ts), the words of a refusal are chat's (chat/apologize.ts),
 * where posts go is chat's (chat/route-channel.ts), and whether a moment is announced is
 * notify's. A platform translates: people's requests into ChatCommands (its receivers), build
 * news into its own posts (its announcements). test/contracts/chat-platform-contract.ts holds
 * every platform to it; docs/architecture.md ("Add a chat platform") says what stays a
 * platform's own business and why.
 */

export interface ChatPlatform<Name extends string = string> {
  /** The platform's key, lower-case: the peer label of its API requests in /metrics. */
  readonly name: Name;
  /** How people write its name; chat keeps them capitalised after "Sorry, ", the delivery log uses the first. */
  readonly displayNames: readonly [string, ...string[]];
  /**
   * Stands in when no other platform announces: the console of the quick start prints build news
   * only then. false for a platform people chat on.
   */
  readonly standIn: boolean;
  /**
   * Secrets it derives from the config (a key for signing buttons), masked wherever text leaves
   * slashbuild, like the config's own (core/known-secrets.ts). Asked before anything is opened.
   */
  secrets(config: Config): readonly string[];
  /** Its part of the service for this config; null = the config does not use this platform. */
  open(config: Config, deps: ChatDeps): ChatConnection | null;
}

/** What the app gives every platform it opens. */
export interface ChatDeps {
  readonly clock: Clock;
  /** For the platform's own API; the app counts its answers in /metrics under the platform's name. */
  readonly fetch: typeof fetch;
  /** Where a platform that prints writes (the console: slashbuild's stdout). */
  readonly out: Writable;
  /** Which post stands for which build, for a platform that edits its posts (the chat_posts table). */
  readonly rootPosts: RootPostStore;
  /** A stored build by number (a button's build, a web rebuild's original channel). */
  readonly findBuild: (id: number) => Build | undefined;
  /** The branch's previous build with a verdict, so a finish can say it broke or fixed the branch. */
  readonly previous: (build: Build) => Pick<Build, "status"> | undefined;
  /** Every secret slashbuild knows, masked in whatever the platform shows that is not a build post. */
  readonly secrets: readonly string[];
  /** Names that keep their capital after "Sorry, " (chat/apologize.ts): every Git host's and platform's. */
  readonly properNames: readonly string[];
  readonly logger: Pick<DeliveryLogger, "warn" | "error">;
}

/** The core's answer to a command: what a platform's receivers call, as the person who asked. */
export type CommandHandler = (command: ChatCommand) => Promise<Reply>;

export interface ChatConnection {
  /** Where people's commands (and clicks) arrive; null = nobody types here (the console). */
  readonly receivers: ChatReceivers | null;
  /** Build news on this platform; null = it announces nothing with this config. */
  readonly announcements: Announcements | null;
  /** Asks the platform whether it answers: a readiness check named after the platform; null = nothing to ask. */
  readonly probe: (() => Promise<void>) | null;
  /** At start-up: logs what an admin must fix (a refused token) without holding the start back. */
  start(): void;
}

export interface ChatReceivers {
  /** The routes, as a Fastify plugin that answers through `handleCommand`; registered once. */
  routes(handleCommand: CommandHandler): FastifyPluginAsync;
  /** Paths of its slash command, whose answer time is measured (Mattermost gives up after 3 s). */
  readonly commandPaths: readonly string[];
}

/** One status sink on notify's ports (notify/create-status-sink.ts), as the platform shapes it. */
export interface Announcements {
  /** The sink's label in /metrics (Mattermost: "bot" or "webhook"; "console"). */
  readonly mode: string;
  /**
   * The outbox rows its posts are kept under. Mattermost and the console share "chat" (only one of
   * them announces, and posts stored before issue 19 are "chat"'s); a new platform uses its name.
   */
  readonly sink: string;
  readonly transport: Transport;
  readonly formatter: StatusFormatter;
  /** Sends paced by config.delivery (false where nothing limits the rate: the console). */
  readonly paced: boolean;
  /** Backlogs as digest posts; absent = every post on its own. */
  readonly digest?: DigestPolicy;
}

/** The platforms slashbuild serves, keyed by name. */
export type ChatPlatforms = Readonly<Record<string, ChatPlatform>>;

/**
 * A platform list, checked by the compiler: each entry is a complete ChatPlatform whose name is its
 * key, so a platform missing a member, or filed under another's name, does not compile. Used for
 * the built-in list and for a list that adds a platform to it (the add-a-platform test).
 */
export function defineChatPlatforms<
  const T extends { readonly [Name in keyof T & string]: ChatPlatform<Name> },
>(platforms: T): T {
  return platforms;
}

/** Every name of every platform in the list: chat keeps them capitalised after "Sorry, ". */
export function platformNames(platforms: ChatPlatforms): string[] {
  return Object.values(platforms).flatMap((platform) => platform.displayNames);
}
