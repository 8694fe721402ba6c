import type { Config, RepoConfig } from "../../config/config.js";
import { type Build, isFinal } from "../../core/build.js";
import { peopleToMention } from "../../core/triggers/people-to-mention.js";
import { verdict } from "../../notify/notify-policy.js";
import type { Excerpt, OutboxDraft, StatusFormatter } from "../../notify/ports.js";
import { routeChannel } from "../route-channel.js";
import type { BotPayload } from "./bot-payload.js";
import type { ActionOptions } from "./build-actions.js";
import { formatBuildFinished, formatBuildStarted } from "./format-build-message.js";
import { formatFinishReply, formatRootPost } from "./format-build-post.js";
import {
  actionsFor,
  type ChatMode,
  channelRef,
  destinationOf,
  type FindBuild,
  placeOf,
} from "./post-place.js";

/**
 * Mattermost's StatusFormatters (notify/ports.ts), one per chat mode:
 *
 * Webhook mode: a post when a build starts and one when it finishes (the slash command's own
 * answer told the requester it was queued; there is no post to edit for steps).
 * Bot mode: one root post per build, created when it is queued and patched as it moves (each
 * patch the whole post, so later ones make earlier ones redundant: they coalesce in the outbox),
 * and a thread reply at the finish that @-mentions the requester and quotes the failure.
 */

export const BOT_UPDATE = "post_update";
export const BOT_REPLY = "thread_reply";

/** Buttons on posts; null = none. */
export type FormatterActions = ActionOptions | null;

/** The branch's previous build with a verdict (BuildStore.previousVerdict); absent = unknown. */
export type PreviousBuild = (build: Build) => Pick<Build, "status"> | undefined;

export function webhookFormatter(
  config: Config,
  actions: FormatterActions = null,
  previous: PreviousBuild = () => undefined,
): StatusFormatter {
  const options = (build: Build, excerpt: Excerpt | null) => ({
    ...postOptions(config, actions, build, "webhook", previous),
    // Webhook mode: the hook's own channel unless routing names one.
    channel: routeChannel(repoOf(config, build), build.branch),
    username: config.mattermost.username,
    iconUrl: config.mattermost.iconUrl,
    excerpt,
  });
  return {
    queued: () => [],
    started: (build) => [{ kind: "build_started", payload: formatBuildStarted(build, options(build, null)) }],
    progressed: () => [],
    finished: (build, excerpt) => [
      {
        kind: "build_finished",
        payload: formatBuildFinished(build, options(build, excerpt)),
        // A start post still pending (Mattermost was down) is stale: the finish post says it all.
        supersedes: ["build_started"],
      },
    ],
    destination: (build) => destinationOf(config, build, placeOf(config, "webhook", build)),
  };
}

/** `findBuild` lets a web rebuild's posts go to its original build's channel. */
export function botFormatter(
  config: Config,
  actions: FormatterActions = null,
  findBuild?: FindBuild,
  previous: PreviousBuild = () => undefined,
): StatusFormatter {
  const upsert = (build: Build): OutboxDraft[] => {
    const place = placeOf(config, "bot", build, findBuild);
    const channel = channelRef(place);
    // Nowhere to post (a web rebuild with no chat channel in its history, and no routing).
    if (!channel) return [];
    const payload: BotPayload = {
      op: "upsert_root",
      buildId: build.id,
      channel,
      ...formatRootPost(build, postOptions(config, actions, build, "bot", previous, findBuild)),
    };
    return [{ kind: BOT_UPDATE, payload, coalesce: true }];
  };
  return {
    queued: (build) => upsert(build),
    started: (build) => upsert(build),
    // "running: step k of n".
    progressed: (build) => upsert(build),
    finished: (build, excerpt) => {
      const channel = channelRef(placeOf(config, "bot", build, findBuild));
      if (!channel) return [];
      const reply: BotPayload = {
        op: "reply",
        buildId: build.id,
        channel,
        message: formatFinishReply(
          build,
          excerpt,
          postOptions(config, actions, build, "bot", previous, findBuild),
        ),
      };
      return [...upsert(build), { kind: BOT_REPLY, payload: reply }];
    },
    destination: (build) => destinationOf(config, build, placeOf(config, "bot", build, findBuild)),
  };
}

/** Who pushed (or opened the PR) behind a triggered build: they hear about its failure, in a post or a digest. */
export function peopleOf(config: Config, build: Build): string[] {
  const repo = repoOf(config, build);
  return peopleToMention(build.trigger, repo?.forge ? config.forges?.[repo.forge] : undefined);
}

function repoOf(config: Config, build: Build): RepoConfig | undefined {
  return Object.hasOwn(config.repos, build.repo) ? config.repos[build.repo] : undefined;
}

function postOptions(
  config: Config,
  actions: FormatterActions,
  build: Build,
  mode: ChatMode,
  previous: PreviousBuild,
  findBuild?: FindBuild,
) {
  const repo = repoOf(config, build);
  return {
    publicUrl: config.publicUrl,
    secrets: repo ? Object.values(repo.secrets) : [],
    actions: actionsFor(config, build, placeOf(config, mode, build, findBuild), actions),
    // Triggered builds: who pushed (or opened the PR) is who hears about a failure.
    people: peopleOf(config, build),
    change: isFinal(build.status) ? changeOf(build, previous(build)) : null,
  };
}

/** Broke: a failure after a pass (or the first ever); fixed: a pass after a failure; else null. */
function changeOf(build: Build, previous: Pick<Build, "status"> | undefined): "broke" | "fixed" | null {
  const now = verdict(build);
  const before = previous ? verdict(previous) : null;
  if (now === "fail" && before !== "fail") return "broke";
  if (now === "pass" && before === "fail") return "fixed";
  return null;
}
