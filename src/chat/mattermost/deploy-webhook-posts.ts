import type { MessageAttachment } from "@mattermost/types/message_attachments";
import type { Build } from "../../core/build.js";
import type { Deploy } from "../../core/deploys/deploy.js";
import type { OutboxDraft } from "../../notify/ports.js";
import type { DeployPosts } from "../deploy-chat.js";
import { routeChannel } from "../route-channel.js";
import { DEPLOY_COLORS, type DeployPostOptions, deployFields, deployHeadline } from "./deploy-post-parts.js";
import { environmentText, replyTexts } from "./deploy-replies.js";
import { MAX_POST_RUNES, truncateRunes } from "./format-build-message.js";
import type { IncomingWebhookRequest } from "./incoming-webhook-request.js";

/**
 * Webhook (and console) mode's deploy posts (issue 20): a post per moment, in the hook's channel
 * (or the repo's routed one), with no buttons: the webhook cannot say who clicked, so deploys are
 * approved by command only. The start and finish posts have the build posts' kinds, so the same
 * outage rules apply (a finish supersedes a start still waiting; a backlog of finishes is digested).
 */

const DEPLOY_POST = "deploy_post";

export function webhookDeployPosts(options: DeployPostOptions): DeployPosts {
  const { config } = options;
  const texts = replyTexts(options, false);
  const post = (
    kind: string,
    text: string | null,
    at: { branch: string; repo: string },
    attachment?: MessageAttachment,
    supersedes?: readonly string[],
  ): OutboxDraft[] => {
    if (text === null) return [];
    const repo = Object.hasOwn(config.repos, at.repo) ? config.repos[at.repo] : undefined;
    const payload: IncomingWebhookRequest = { text: truncateRunes(text, MAX_POST_RUNES) };
    if (attachment) payload.attachments = [attachment];
    const channel = routeChannel(repo, at.branch);
    if (channel) payload.channel = channel;
    payload.username = config.mattermost.username;
    if (config.mattermost.iconUrl) payload.icon_url = config.mattermost.iconUrl;
    return [{ kind, payload, ...(supersedes ? { supersedes } : {}) }];
  };
  const card = (deploy: Deploy, build: Build, text?: string): MessageAttachment => ({
    fallback: `Deploy #${deploy.buildId} of ${deploy.repo} to ${deploy.environment}: ${deploy.state}`,
    color: DEPLOY_COLORS[deploy.state],
    title: `${deploy.repo} → ${deploy.environment} #${deploy.buildId}`,
    title_link: `${config.publicUrl}/builds/${deploy.buildId}`,
    fields: deployFields(deploy, build, options),
    ...(text ? { text } : {}),
  });
  return {
    requested: (deploy, build) => {
      const call = texts.requested(deploy);
      const headline = deployHeadline(deploy, build, options);
      return post(DEPLOY_POST, call ? `${headline}\n${call}` : headline, deploy, card(deploy, build));
    },
    decided: (deploy, _build, decision) => post(DEPLOY_POST, texts.decided(deploy, decision), deploy),
    ended: (deploy, _build, by) => post(DEPLOY_POST, texts.ended(deploy, by), deploy),
    started: (deploy, build) => post("build_started", deployHeadline(deploy, build, options), deploy),
    progressed: () => [],
    finished: (deploy, build, excerpt) => {
      const text = texts.finished(deploy, build, excerpt);
      // A request that never ran says nothing at its build's end (its end was said already).
      if (text === null) return [];
      return post("build_finished", text, deploy, card(deploy, build), ["build_started"]);
    },
    autoSkipped: (build, environment, why) =>
      post(DEPLOY_POST, texts.autoSkipped(build, environment, why), build),
    environmentChanged: (event) => {
      const environment = config.repos[event.repo]?.deploy?.environments[event.environment];
      return post(DEPLOY_POST, environmentText(event, options), {
        repo: event.repo,
        branch: environment?.defaultBranch ?? "",
      });
    },
  };
}
