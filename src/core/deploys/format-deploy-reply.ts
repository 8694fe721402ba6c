import type { Config } from "../../config/config.js";
import { shortSha } from "../build.js";
import { buildLink, code } from "../format-reply.js";
import { approvalsOf, DEPLOY_STATE_WORDS, type Deploy, type EnvironmentEvent } from "./deploy.js";
import type { DeployAdmission } from "./deploy-queue.js";
import type { DecisionOutcome } from "./deploy-service.js";
import type { EnvironmentHistory, EnvironmentStatus } from "./environment-reads.js";
import { formatTime } from "./format-time.js";

/**
 * The answers to deploy commands, for the person who typed them (the channel's posts are the chat
 * adapter's: chat/mattermost/deploy-*). Markdown; every value a user typed goes through `code()`.
 */

function deployLink(config: Config, deploy: Pick<Deploy, "buildId">): string {
  return buildLink(config, { id: deploy.buildId });
}

/** "`abc1234567` (build #12, `main`)". */
function what(config: Config, deploy: Deploy): string {
  const source =
    deploy.sourceBuildId === null ? "" : `build ${buildLink(config, { id: deploy.sourceBuildId })}, `;
  return `${code(shortSha(deploy.revision))} (${source}${code(deploy.branch)})`;
}

export function admissionReply(
  config: Config,
  { deploy, outcome, behind, superseded }: DeployAdmission,
): string {
  const link = deployLink(config, deploy);
  const to = `**${deploy.environment}**`;
  const rollback = deploy.kind === "rollback" ? "Rolling back: " : "";
  const forced = deploy.forced
    ? ` Forced past ${deploy.forced.join(", ")}; this is recorded and said in the channel.`
    : "";
  const replaced = superseded
    ? ` It replaces deploy ${deployLink(config, superseded)} (${code(shortSha(superseded.revision))}), which was waiting; its requester is told.`
    : "";
  switch (outcome) {
    case "duplicate":
      return `Deploy ${link} of ${what(config, deploy)} to ${to} is already ${DEPLOY_STATE_WORDS[deploy.state]}, so I did not ask again.`;
    case "deploying":
      return `${rollback}Deploying ${what(config, deploy)} to ${to} now, as deploy ${link}.${forced}${replaced} Status posts follow; \`/build stop ${deploy.buildId}\` stops it.`;
    case "queued": {
      const running = behind
        ? ` behind deploy ${deployLink(config, behind)} (${code(shortSha(behind.revision))})`
        : "";
      return `${rollback}Deploy ${link} of ${what(config, deploy)} to ${to} is queued${running}; it starts when that one ends.${forced}${replaced}`;
    }
    case "awaiting_approval": {
      const expires =
        deploy.expiresAt === null ? "" : ` It expires at ${formatTime(deploy.expiresAt)} if nobody decides.`;
      return `${rollback}Deploy ${link} of ${what(config, deploy)} to ${to} waits for ${approvalWords(deploy.approvalsNeeded)} by someone other than you: ${approvers(config, deploy)} can approve it with \`/build approve ${deploy.buildId}\` (or the button on its post).${expires}${forced}${replaced}`;
    }
  }
}

export function decisionReply(config: Config, { deploy, decision, missing }: DecisionOutcome): string {
  const link = deployLink(config, deploy);
  if (decision.verdict === "rejected")
    return `You rejected deploy ${link}; it will not run, and the channel is told.`;
  if (missing > 0)
    return `You approved deploy ${link}; it still needs ${approvalWords(missing)} from someone else.`;
  return deploy.state === "queued"
    ? `You approved deploy ${link}: it is queued behind the deploy running in ${deploy.environment}.`
    : `You approved deploy ${link}: it deploys now.`;
}

export function environmentsReply(config: Config, statuses: readonly EnvironmentStatus[]): string {
  if (statuses.length === 0) return "There is no repo that deploys from this channel.";
  return statuses.map((status) => `- ${environmentLine(config, status)}`).join("\n");
}

function environmentLine(config: Config, status: EnvironmentStatus): string {
  const { current, last, deploying, waiting, lock, freeze } = status;
  const parts: string[] = [];
  parts.push(
    current ? `${code(shortSha(current.revision))} ${holder(config, current)}` : "nothing deployed yet",
  );
  if (deploying)
    parts.push(`**deploying** ${code(shortSha(deploying.revision))} (${deployLink(config, deploying)})`);
  if (last && last.state !== "succeeded" && (!current || last.buildId > current.buildId)) {
    parts.push(`last deploy ${deployLink(config, last)} **${DEPLOY_STATE_WORDS[last.state]}**`);
  }
  if (waiting) {
    const missing = waiting.approvalsNeeded - approvalsOf(waiting).length;
    const why = waiting.state === "awaiting_approval" ? `, ${approvalWords(missing)} missing` : "";
    parts.push(`waiting: ${deployLink(config, waiting)} ${code(shortSha(waiting.revision))}${why}`);
  }
  if (lock)
    parts.push(
      `**locked** by @${lock.holder} since ${formatTime(lock.since)}${lock.reason ? `: ${code(lock.reason)}` : ""}`,
    );
  if (freeze.now) {
    parts.push(`**frozen**${freeze.now.until === null ? "" : ` until ${formatTime(freeze.now.until)}`}`);
  } else if (freeze.next) {
    parts.push(`next freeze ${formatTime(freeze.next.at)}`);
  }
  return `**${status.repo} ${status.environment.name}**: ${parts.join(" · ")}`;
}

/** "by @alice (approved by @bob) at 2026-05-01 14:03 UTC, deploy #15 of build #12". */
function holder(config: Config, d: Deploy): string {
  const approved = approvalsOf(d).map((decision) => `@${decision.userName}`);
  const by = approved.length > 0 ? ` (approved by ${approved.join(", ")})` : "";
  const source = d.sourceBuildId === null ? "" : ` of build ${buildLink(config, { id: d.sourceBuildId })}`;
  return `by @${d.requester}${by} at ${formatTime(d.finishedAt ?? d.createdAt)}, deploy ${deployLink(config, d)}${source}`;
}

export function historyReply(config: Config, history: EnvironmentHistory): string {
  const lines = [
    ...history.deploys.map((d) => ({ at: d.createdAt, text: historyLine(config, d) })),
    ...history.events.map((event) => ({ at: event.at, text: eventLine(event) })),
  ].sort((a, b) => b.at - a.at);
  if (lines.length === 0)
    return `Nothing was deployed to ${history.environment} of ${code(history.repo)} yet.`;
  return [
    `Recent deploys to **${history.repo} ${history.environment}**, newest first:`,
    ...lines.map((line) => `- ${line.text}`),
  ].join("\n");
}

function historyLine(config: Config, d: Deploy): string {
  const approved = approvalsOf(d).map((decision) => `@${decision.userName}`);
  const by = approved.length > 0 ? `, approved by ${approved.join(", ")}` : "";
  const kind = d.kind === "deploy" ? "" : ` (${d.kind})`;
  const forced = d.forced ? `, **forced** past ${d.forced.join(", ")}` : "";
  const reason = d.reason ? `: ${code(d.reason)}` : "";
  return `${formatTime(d.createdAt)} ${deployLink(config, d)} ${code(shortSha(d.revision))}${kind} by @${d.requester}${by}${forced}: **${DEPLOY_STATE_WORDS[d.state]}**${reason}`;
}

function eventLine(event: EnvironmentEvent): string {
  const what = {
    locked: `@${event.actor} locked it`,
    unlocked: `@${event.actor} unlocked it`,
    lock_broken: `@${event.actor} broke @${event.holder}'s lock`,
    lock_lapsed: `@${event.holder}'s lock lapsed`,
  }[event.kind];
  return `${formatTime(event.at)} ${what}${event.detail ? `: ${code(event.detail)}` : ""}`;
}

function approvalWords(count: number): string {
  return count === 1 ? "1 approval" : `${count} approvals`;
}

function approvers(config: Config, d: Deploy): string {
  const environment = config.repos[d.repo]?.deploy?.environments[d.environment];
  const names = (environment?.approvers ?? []).map((name) => `@${name.replace(/^@/, "")}`);
  return names.length > 0 ? `${names.join(", ")} (or an admin)` : "an admin";
}
