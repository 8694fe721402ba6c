import type { Config, RepoConfig } from "../../config/config.js";
import { channelAllowed } from "../../core/authorize.js";
import type { Build } from "../../core/build.js";
import { type ChatChannel, WEB_CHANNEL } from "../../core/chat-command.js";
import type { PostDestination } from "../../core/ports.js";
import { filterOf } from "../../notify/notify-policy.js";
import { routeChannel } from "../route-channel.js";
import type { ChannelRef } from "./bot-payload.js";
import type { ActionOptions } from "./build-actions.js";

/**
 * Where a build's posts go, and what follows from it: the channel a bot post names, whether its
 * Stop and Rebuild buttons can work there, and what the requester is told. One place, so the three
 * never disagree.
 *
 * - Routing (notify_branches, notify_channel: chat/route-channel.ts) names a channel.
 * - Else bot mode posts in the channel the build was asked for from; a web rebuild was asked for
 *   from the pseudo-channel `web`, which is no Mattermost channel, so it inherits its original
 *   build's channel (following rebuilds of rebuilds back), or has none.
 * - Else (webhook mode) the hook's own channel: slashbuild does not know its name.
 */

/** How Mattermost gets build news: its REST API as a bot, or an incoming webhook. */
export type ChatMode = "bot" | "webhook";

export type Place =
  | { readonly kind: "routed"; readonly name: string }
  | { readonly kind: "origin"; readonly channel: ChatChannel }
  | { readonly kind: "hook" };

export type FindBuild = (id: number) => Build | undefined;

/** How far back a chain of web rebuilds is followed to find a chat channel. */
const MAX_REBUILD_CHAIN = 20;

/** null = nowhere (bot mode, no routing, and no chat channel in the build's history). */
export function placeOf(config: Config, mode: ChatMode, build: Build, findBuild?: FindBuild): Place | null {
  const routed = routeChannel(repoOf(config, build), build.branch);
  if (routed) return { kind: "routed", name: routed };
  if (mode !== "bot") return { kind: "hook" };
  let current: Build | undefined = build;
  for (let hops = 0; current && hops < MAX_REBUILD_CHAIN; hops++) {
    if (current.channelId !== WEB_CHANNEL.id) {
      return { kind: "origin", channel: { id: current.channelId, name: current.channelName } };
    }
    current = current.rebuildOf === null ? undefined : findBuild?.(current.rebuildOf);
  }
  return null;
}

/** The channel a bot-mode payload names; null = do not post. */
export function channelRef(place: Place | null): ChannelRef | null {
  if (!place || place.kind === "hook") return null;
  return place.kind === "routed" ? { name: place.name } : { id: place.channel.id };
}

/**
 * Stop and Rebuild run the typed commands in the channel where they are clicked, with the same
 * channel checks: a button that would be refused there is not shown. The webhook's own channel is
 * unknown to slashbuild, so its posts keep every button.
 */
export function actionsFor(
  config: Config,
  build: Build,
  place: Place | null,
  actions: ActionOptions | null,
): ActionOptions | null {
  if (!actions || !place || place.kind === "hook") return actions;
  const channel = place.kind === "routed" ? { id: place.name, name: place.name } : place.channel;
  const repo = repoOf(config, build) ?? null;
  return {
    ...actions,
    usable: {
      stop: channelAllowed(config, null, channel),
      rebuild: repo !== null && channelAllowed(config, repo, channel),
    },
  };
}

/** What the requester is told about where the posts go and which ones. */
export function destinationOf(config: Config, build: Build, place: Place | null): PostDestination {
  const when = filterOf(repoOf(config, build));
  if (!place) return { where: null, when };
  if (place.kind === "routed") return { where: { kind: "channel", name: place.name }, when };
  if (place.kind === "hook") return { where: { kind: "webhook" }, when };
  return place.channel.id === build.channelId
    ? { where: { kind: "here" }, when }
    : { where: { kind: "channel", name: place.channel.name }, when };
}

function repoOf(config: Config, build: Build): RepoConfig | undefined {
  return Object.hasOwn(config.repos, build.repo) ? config.repos[build.repo] : undefined;
}
