import type { MessageAttachmentField } from "@mattermost/types/message_attachments";
import type { Config } from "../../config/config.js";
import { type Build, durationMs, shortSha } from "../../core/build.js";
import { approvalsOf, type Deploy } from "../../core/deploys/deploy.js";
import { formatDuration } from "../../core/format-duration.js";
import { clean, mentionUser, truncateRunes } from "./format-build-message.js";

/**
 * The pieces every deploy post is made of, in both chat modes (issue 20): the headline, the fields
 * of the approval request (requester, revision and its build, approvals, the commits since the
 * environment's current deploy with titles and authors, the compare link, what --force overrode),
 * and who a post @-mentions. Everything that came from a person or from git is escaped and masked.
 */

export interface DeployPostOptions {
  readonly config: Config;
  readonly secrets: readonly string[];
}

const ICONS: Readonly<Record<Deploy["state"], string>> = {
  awaiting_approval: ":raised_hand:",
  queued: ":hourglass_flowing_sand:",
  deploying: ":rocket:",
  succeeded: ":white_check_mark:",
  failed: ":x:",
  timed_out: ":alarm_clock:",
  interrupted: ":warning:",
  cancelled: ":no_entry_sign:",
  rejected: ":no_entry:",
  expired: ":hourglass:",
  superseded: ":fast_forward:",
};

export const DEPLOY_COLORS: Readonly<Record<Deploy["state"], string>> = {
  awaiting_approval: "#f2a900",
  queued: "#8a8a8a",
  deploying: "#2389d7",
  succeeded: "good",
  failed: "danger",
  timed_out: "danger",
  interrupted: "warning",
  cancelled: "warning",
  rejected: "danger",
  expired: "warning",
  superseded: "#8a8a8a",
};

function deployUrl(config: Config, deploy: Pick<Deploy, "buildId">): string {
  return `${config.publicUrl}/builds/${deploy.buildId}`;
}

/** "Deploy [#15](…) of **app** `abc1234567` to **production**". */
export function deploySubject(deploy: Deploy, options: DeployPostOptions): string {
  const { config, secrets } = options;
  const rollback =
    deploy.kind === "rollback" ? "Rollback" : deploy.kind === "auto" ? "Auto deploy" : "Deploy";
  return `${rollback} [#${deploy.buildId}](${deployUrl(config, deploy)}) of **${clean(deploy.repo, secrets)}** \`${shortSha(deploy.revision)}\` to **${clean(deploy.environment, secrets)}**`;
}

/** The headline of the deploy's post: its subject and where it stands. */
export function deployHeadline(deploy: Deploy, build: Build, options: DeployPostOptions): string {
  return `${ICONS[deploy.state]} ${deploySubject(deploy, options)}: ${standing(deploy, build, options.secrets)}`;
}

function standing(deploy: Deploy, build: Build, secrets: readonly string[]): string {
  const approved = approvalsOf(deploy).length;
  const took = durationMs(build);
  const after = took === null ? "" : ` after ${formatDuration(took)}`;
  switch (deploy.state) {
    case "awaiting_approval":
      return `waiting for approval (${approved} of ${deploy.approvalsNeeded}).`;
    case "queued":
      return "queued behind the deploy running there.";
    case "deploying": {
      const step = build.steps.find((s) => s.status === "running");
      if (build.status === "queued") return "starting.";
      return step
        ? `deploying: step ${step.index + 1} of ${build.steps.length}, ${clean(step.name, secrets)}.`
        : "deploying.";
    }
    case "failed":
    case "timed_out":
      return `**${deploy.state === "failed" ? "failed" : "timed out"}**${after}${build.failingStep ? ` at ${clean(build.failingStep, secrets)}` : ""}.`;
    case "rejected":
    case "expired":
    case "superseded":
      return `**${deploy.state}**${deploy.reason ? ` (${clean(deploy.reason, secrets)})` : ""}.`;
    default:
      return `**${deploy.state}**${after}.`;
  }
}

/** The request's fields: who, what, what it replaces, decisions, the commits, overrides, why it ended. */
export function deployFields(
  deploy: Deploy,
  build: Build,
  options: DeployPostOptions,
): MessageAttachmentField[] {
  const { config, secrets } = options;
  const fields: MessageAttachmentField[] = [
    { title: "Requested by", value: clean(deploy.requester, secrets), short: true },
    { title: "Revision", value: revisionText(deploy, config), short: true },
  ];
  if (deploy.previousRevision) {
    fields.push({ title: "Replaces", value: `\`${shortSha(deploy.previousRevision)}\``, short: true });
  }
  if (deploy.approvalsNeeded > 0 || deploy.decisions.length > 0) {
    fields.push({ title: "Approvals", value: decisionsText(deploy, options), short: true });
  }
  const commits = commitsText(deploy, secrets);
  if (commits) fields.push({ title: "Commits since the current deploy", value: commits, short: false });
  if (deploy.forced) {
    fields.push({ title: "Forced past", value: clean(deploy.forced.join(", "), secrets), short: false });
  }
  const reason = build.reason ?? deploy.reason;
  if (reason && deploy.state !== "superseded") {
    fields.push({ title: "Reason", value: clean(truncateRunes(reason, 2000), secrets, true), short: false });
  }
  return fields;
}

function revisionText(deploy: Deploy, config: Config): string {
  const sha = `\`${shortSha(deploy.revision)}\``;
  const source =
    deploy.sourceBuildId === null
      ? ""
      : ` from build [#${deploy.sourceBuildId}](${config.publicUrl}/builds/${deploy.sourceBuildId})`;
  return `${sha}${source} on \`${deploy.branch.replace(/`/g, "'")}\``;
}

function decisionsText(deploy: Deploy, options: DeployPostOptions): string {
  const { secrets } = options;
  const lines = deploy.decisions.map((decision) => {
    const mark = decision.verdict === "approved" ? "approved" : "rejected";
    const why = decision.reason ? `: ${clean(decision.reason, secrets)}` : "";
    return `${clean(decision.userName, secrets)} ${mark}${why}`;
  });
  const missing = deploy.approvalsNeeded - approvalsOf(deploy).length;
  if (deploy.state === "awaiting_approval" && missing > 0) {
    lines.push(`${missing} more needed from ${approverNames(deploy, options)}`);
  }
  return lines.join("\n") || "none";
}

/** Who may approve, as plain names (no @: an edited post notifies nobody; replies mention). */
function approverNames(deploy: Deploy, { config, secrets }: DeployPostOptions): string {
  const environment = config.repos[deploy.repo]?.deploy?.environments[deploy.environment];
  const names = (environment?.approvers ?? []).map((name) => clean(name.replace(/^@/, ""), secrets));
  return names.length > 0 ? `${names.join(", ")} or an admin` : "an admin";
}

function commitsText(deploy: Deploy, secrets: readonly string[]): string | null {
  const range = deploy.commits;
  if (!range) return deploy.announced ? null : "being read…";
  const compare =
    range.compareUrl && /^https?:\/\/[^\s()<>]+$/.test(range.compareUrl)
      ? ` ([compare](${range.compareUrl}))`
      : "";
  if (range.commits.length === 0) return range.note ? `${clean(range.note, secrets)}${compare}` : null;
  const lines = range.commits.map(
    (commit) =>
      `- \`${commit.sha.slice(0, 7)}\` ${clean(commit.title, secrets)} (${clean(commit.author, secrets)})`,
  );
  const more = range.total - range.commits.length;
  if (more > 0) lines.push(`- and ${more} more`);
  return `${range.total} commit${range.total === 1 ? "" : "s"}${compare}\n${lines.join("\n")}`;
}

/**
 * Who a failed deploy @-mentions: its requester (when a person typed it: a pushed build's requester
 * is a Git host login) and everyone who approved it.
 */
export function peopleToTell(deploy: Deploy): string[] {
  const people = approvalsOf(deploy).map((decision) => decision.userName);
  if (isPerson(deploy.requesterId)) people.unshift(deploy.requester);
  return [...new Set(people)];
}

/** A chat user id, not a trigger's requester id (`github:login`, `schedule`: core/triggers/trigger.ts). */
export function isPerson(userId: string): boolean {
  return !userId.includes(":") && userId !== "schedule";
}

export function mentions(names: readonly string[]): string {
  return names.map(mentionUser).join(" ");
}
