import type { Config, RepoConfig } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import { routeChannel } from "../../notify/notify-policy.js";
import type { Excerpt, OutboxDraft, StatusFormatter } from "../../notify/ports.js";
import type { BotPayload, ChannelRef } from "./bot-payload.js";
import type { ActionOptions } from "./build-actions.js";
import { formatBuildFinished, formatBuildStarted } from "./format-build-message.js";
import { formatFinishReply, formatRootPost } from "./format-build-post.js";

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

/** Buttons on posts; null = none (the console, where nobody can click). */
export type FormatterActions = ActionOptions | null;

export function webhookFormatter(config: Config, actions: FormatterActions = null): StatusFormatter {
  const options = (build: Build, excerpt: Excerpt | null) => ({
    ...postOptions(config, actions, build),
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
      { kind: "build_finished", payload: formatBuildFinished(build, options(build, excerpt)) },
    ],
  };
}

export function botFormatter(config: Config, actions: FormatterActions = null): StatusFormatter {
  const upsert = (build: Build): OutboxDraft => {
    const payload: BotPayload = {
      op: "upsert_root",
      buildId: build.id,
      channel: channelOf(config, build),
      ...formatRootPost(build, postOptions(config, actions, build)),
    };
    return { kind: BOT_UPDATE, payload, coalesce: true };
  };
  return {
    queued: (build) => [upsert(build)],
    started: (build) => [upsert(build)],
    // "running: step k of n".
    progressed: (build) => [upsert(build)],
    finished: (build, excerpt) => {
      const reply: BotPayload = {
        op: "reply",
        buildId: build.id,
        channel: channelOf(config, build),
        message: formatFinishReply(build, excerpt, postOptions(config, actions, build)),
      };
      return [upsert(build), { kind: BOT_REPLY, payload: reply }];
    },
  };
}

/** Bot mode posts where the repo's routing says, else where /build was typed. */
function channelOf(config: Config, build: Build): ChannelRef {
  const routed = routeChannel(repoOf(config, build), build.branch);
  return routed ? { name: routed } : { id: build.channelId };
}

function repoOf(config: Config, build: Build): RepoConfig | undefined {
  return Object.hasOwn(config.repos, build.repo) ? config.repos[build.repo] : undefined;
}

function postOptions(config: Config, actions: FormatterActions, build: Build) {
  const repo = repoOf(config, build);
  return { publicUrl: config.publicUrl, secrets: repo ? Object.values(repo.secrets) : [], actions };
}
