import type { PostAction } from "@mattermost/types/integration_actions";
import type { MessageAttachment } from "@mattermost/types/message_attachments";
import { type Build, isFinal } from "../../core/build.js";
import type { ChatChannel } from "../../core/chat-command.js";
import type { Decision, Deploy, EnvironmentEvent } from "../../core/deploys/deploy.js";
import type { Excerpt, OutboxDraft } from "../../notify/ports.js";
import type { DeployPosts } from "../deploy-chat.js";
import { routeChannel } from "../route-channel.js";
import { type ActionContext, signAction } from "./action-signature.js";
import type { BotPayload, ChannelRef } from "./bot-payload.js";
import type { ActionOptions } from "./build-actions.js";
import { type DeployActionContext, signDeployAction } from "./deploy-action-context.js";
import { DEPLOY_ACTION_PATH } from "./deploy-action-route.js";
import { DEPLOY_COLORS, type DeployPostOptions, deployFields, deployHeadline } from "./deploy-post-parts.js";
import { environmentText, replyTexts } from "./deploy-replies.js";
import { MAX_POST_RUNES, truncateRunes } from "./format-build-message.js";
import { actionsFor, channelRef, type FindBuild, placeOf } from "./post-place.js";
import { BOT_REPLY, BOT_UPDATE } from "./status-formatters.js";

/**
 * Bot mode's deploy posts (issue 20). A deploy's build has one root post, like every build's: it
 * is the approval request, re-drawn whole at every change (coalescing in the outbox like a build's
 * updates), with Approve and Reject while it waits (their contexts name the round, so each
 * decision retires the buttons drawn before it), Stop while it deploys, Full log once it is over.
 * Decisions, the end of a request and the result are thread replies, the posts that notify.
 */

const DEPLOY_REPLY = "deploy_reply";

interface DeployAction extends PostAction {
  integration: { url: string; context: ActionContext | DeployActionContext };
}

export function botDeployPosts(
  options: DeployPostOptions,
  actions: ActionOptions | null,
  findBuild: FindBuild,
): DeployPosts {
  const { config } = options;
  const channelOf = (build: Build): ChannelRef | null => channelRef(placeOf(config, "bot", build, findBuild));
  const root = (deploy: Deploy, build: Build): OutboxDraft[] => {
    const channel = channelOf(build);
    if (!channel) return [];
    const attachment: MessageAttachment = {
      fallback: `Deploy #${deploy.buildId} of ${deploy.repo} to ${deploy.environment}: ${deploy.state}`,
      color: DEPLOY_COLORS[deploy.state],
      title: `${deploy.repo} → ${deploy.environment} #${deploy.buildId}`,
      title_link: `${config.publicUrl}/builds/${deploy.buildId}`,
      fields: deployFields(deploy, build, options),
    };
    const buttons = actions
      ? deployButtons(
          deploy,
          build,
          actionsFor(config, build, placeOf(config, "bot", build, findBuild), actions),
        )
      : [];
    if (buttons.length > 0) attachment.actions = buttons;
    const payload: BotPayload = {
      op: "upsert_root",
      buildId: build.id,
      channel,
      message: truncateRunes(deployHeadline(deploy, build, options), MAX_POST_RUNES),
      props: { attachments: [attachment] },
    };
    return [{ kind: BOT_UPDATE, payload, coalesce: true }];
  };
  const reply = (build: Build, message: string | null, kind = DEPLOY_REPLY): OutboxDraft[] => {
    const channel = channelOf(build);
    if (!channel || message === null) return [];
    const payload: BotPayload = {
      op: "reply",
      buildId: build.id,
      channel,
      message: truncateRunes(message, MAX_POST_RUNES),
    };
    return [{ kind, payload }];
  };
  const texts = replyTexts(options, actions !== null);
  return {
    requested: (deploy, build) => [...root(deploy, build), ...reply(build, texts.requested(deploy))],
    decided: (deploy, build, decision: Decision) => [
      ...root(deploy, build),
      ...reply(build, texts.decided(deploy, decision)),
    ],
    ended: (deploy, build, by) => [...root(deploy, build), ...reply(build, texts.ended(deploy, by))],
    started: (deploy, build) => root(deploy, build),
    progressed: (deploy, build) => root(deploy, build),
    // The result is the build's finish reply: the kind bot mode digests after an outage, as for builds.
    finished: (deploy, build, excerpt: Excerpt | null) => [
      ...root(deploy, build),
      ...reply(build, texts.finished(deploy, build, excerpt), BOT_REPLY),
    ],
    autoSkipped: (build, environment, why) => reply(build, texts.autoSkipped(build, environment, why)),
    environmentChanged: (event: EnvironmentEvent, typedIn: ChatChannel | null) => {
      const repo = Object.hasOwn(config.repos, event.repo) ? config.repos[event.repo] : undefined;
      const routed = routeChannel(repo, repo?.deploy?.environments[event.environment]?.defaultBranch ?? "");
      const channel: ChannelRef | null = routed ? { name: routed } : typedIn ? { id: typedIn.id } : null;
      if (!channel) return [];
      const payload: BotPayload = { op: "post", channel, message: environmentText(event, options) };
      return [{ kind: DEPLOY_REPLY, payload }];
    },
  };

  function deployButtons(deploy: Deploy, build: Build, usable: ActionOptions | null): DeployAction[] {
    if (!usable || !actions) return [];
    const now = usable.clock();
    const lifetime = now + usable.lifetimeMs;
    const allowed = usable.usable ?? { stop: true, rebuild: true };
    if (deploy.state === "awaiting_approval") {
      // Deciding is as bound to the repo's channels as building it: no button where it would be refused.
      if (!allowed.rebuild) return [];
      const expires = Math.min(deploy.expiresAt ?? lifetime, lifetime);
      const url = `${config.publicUrl}${DEPLOY_ACTION_PATH}`;
      const round = deploy.decisions.length;
      return [
        {
          id: "approve",
          type: "button",
          name: "Approve",
          style: "primary",
          integration: {
            url,
            context: signDeployAction(usable.secret, "approve", deploy.buildId, round, expires),
          },
        },
        {
          id: "reject",
          type: "button",
          name: "Reject",
          style: "danger",
          integration: {
            url,
            context: signDeployAction(usable.secret, "reject", deploy.buildId, round, expires),
          },
        },
      ];
    }
    const expiry = { now, lifetimeMs: usable.lifetimeMs };
    if (!isFinal(build.status)) {
      if (deploy.state !== "deploying" && deploy.state !== "queued") return [];
      return allowed.stop
        ? [
            {
              id: "stop",
              type: "button",
              name: "Stop",
              style: "danger",
              integration: { url: usable.url, context: signAction(usable.secret, "stop", build.id, expiry) },
            },
          ]
        : [];
    }
    return [
      {
        id: "fulllog",
        type: "button",
        name: "Full log",
        style: "default",
        integration: { url: usable.url, context: signAction(usable.secret, "log", build.id, expiry) },
      },
    ];
  }
}
