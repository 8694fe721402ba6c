import { type Build, durationMs, STATUS_WORDS } from "../../core/build.js";
import { approvalsOf, type Decision, type Deploy, type EnvironmentEvent } from "../../core/deploys/deploy.js";
import { formatTime } from "../../core/deploys/format-time.js";
import { formatDuration } from "../../core/format-duration.js";
import type { Excerpt } from "../../notify/ports.js";
import {
  type DeployPostOptions,
  deploySubject,
  isPerson,
  mentions,
  peopleToTell,
} from "./deploy-post-parts.js";
import { clean, excerptText } from "./format-build-message.js";

/**
 * The texts of Mattermost's deploy posts in both modes (bot: deploy-bot-posts.ts, webhook:
 * deploy-webhook-posts.ts): the requests to approvers, the decisions, the end of a request, the
 * result with its @-mentions, a skipped auto deploy, and the locks. A new post is the only thing
 * that notifies, so these are where people are mentioned.
 */
export interface ReplyTexts {
  /** The approvers' call (mentioning them) and what --force overrode; null when there is neither. */
  requested(deploy: Deploy): string | null;
  decided(deploy: Deploy, decision: Decision): string;
  ended(deploy: Deploy, by: Deploy | null): string;
  /** null for a request that never ran (its end was said already). */
  finished(deploy: Deploy, build: Build, excerpt: Excerpt | null): string | null;
  autoSkipped(build: Build, environment: string, why: string): string;
}

/** `buttons`: whether the request post carries Approve and Reject (bot mode) or approval is typed only. */
export function replyTexts(options: DeployPostOptions, buttons: boolean): ReplyTexts {
  const { config, secrets } = options;
  const subject = (deploy: Deploy) => deploySubject(deploy, options);
  const requester = (deploy: Deploy) =>
    isPerson(deploy.requesterId) ? mentions([deploy.requester]) : clean(deploy.requester, secrets);
  return {
    requested(deploy) {
      const lines: string[] = [];
      if (deploy.state === "awaiting_approval") {
        const environment = config.repos[deploy.repo]?.deploy?.environments[deploy.environment];
        const approvers = (environment?.approvers ?? [])
          .map((name) => name.replace(/^@/, ""))
          .filter((name) => name !== "*");
        const who = approvers.length > 0 ? `${mentions(approvers)} (or an admin)` : "An admin";
        const count = deploy.approvalsNeeded === 1 ? "an approval" : `${deploy.approvalsNeeded} approvals`;
        const until = deploy.expiresAt === null ? "" : ` It expires at ${formatTime(deploy.expiresAt)}.`;
        lines.push(
          `${who}: ${requester(deploy)} asks for ${count} of ${subject(deploy)}. Decide with ${buttons ? "the buttons on this post or " : ""}\`/build approve ${deploy.buildId}\` / \`/build reject ${deploy.buildId} <reason>\`.${until}`,
        );
      }
      if (deploy.forced) {
        lines.push(`**Forced** by ${requester(deploy)} past ${clean(deploy.forced.join(", "), secrets)}.`);
      }
      return lines.length > 0 ? lines.join("\n") : null;
    },
    decided(deploy, decision) {
      const who = clean(decision.userName, secrets);
      if (decision.verdict === "rejected") {
        const why = decision.reason ? `: ${clean(decision.reason, secrets)}` : ".";
        return `${requester(deploy)}: ${who} rejected ${subject(deploy)}${why}`;
      }
      const next =
        deploy.state === "deploying"
          ? " It deploys now."
          : deploy.state === "queued"
            ? " It is queued behind the deploy running there."
            : "";
      return `${who} approved ${subject(deploy)} (${approvalsOf(deploy).length} of ${deploy.approvalsNeeded}).${next}`;
    },
    ended(deploy, by) {
      const why =
        deploy.state === "superseded" && by
          ? `was superseded by [#${by.buildId}](${config.publicUrl}/builds/${by.buildId}), a newer request for ${clean(deploy.environment, secrets)}`
          : `${deploy.state === "expired" ? "expired" : "was superseded"}${deploy.reason ? `: ${clean(deploy.reason, secrets)}` : ""}`;
      return `${requester(deploy)}: ${subject(deploy)} ${why}. It will not run.`;
    },
    finished(deploy, build, excerpt) {
      if (deploy.state === "rejected" || deploy.state === "expired" || deploy.state === "superseded")
        return null;
      const failed =
        build.status === "failed" || build.status === "timed_out" || build.status === "interrupted";
      const tell = failed ? mentions(peopleToTell(deploy)) : requester(deploy);
      const took = durationMs(build);
      const after = took === null ? "" : ` after ${formatDuration(took)}`;
      const at = build.failingStep ? ` at ${clean(build.failingStep, secrets)}` : "";
      const holds =
        build.status === "succeeded"
          ? ` ${clean(deploy.environment, secrets)} now runs it.`
          : failed
            ? ` ${clean(deploy.environment, secrets)} does not hold this revision.`
            : "";
      const reason = build.reason && build.status !== "succeeded" ? ` (${clean(build.reason, secrets)})` : "";
      const headline = `${tell} ${subject(deploy)} **${STATUS_WORDS[build.status]}**${after}${at}${reason}.${holds}`;
      return excerpt ? `${headline}\n\n${excerptText(excerpt, secrets)}` : headline;
    },
    autoSkipped(build, environment, why) {
      return `Build #${build.id} is not deployed to **${clean(environment, secrets)}** automatically: ${why}`;
    },
  };
}

/** A lock taken, released, broken or lapsed, as the channel reads it (a broken lock mentions its holder). */
export function environmentText(event: EnvironmentEvent, { secrets }: DeployPostOptions): string {
  const where = `**${clean(event.environment, secrets)}** of **${clean(event.repo, secrets)}**`;
  const why = event.detail ? ` (${clean(event.detail, secrets)})` : "";
  const actor = clean(event.actor, secrets);
  switch (event.kind) {
    case "locked":
      return `:lock: ${actor} locked ${where}${why}: deploys by anyone else are refused until it is unlocked.`;
    case "unlocked":
      return `:unlock: ${actor} unlocked ${where}.`;
    case "lock_broken":
      return `:unlock: ${actor} (an admin) broke ${mentions([event.holder])}'s lock on ${where}${why}.`;
    case "lock_lapsed":
      return `:unlock: ${clean(event.holder, secrets)}'s lock on ${where} lapsed.`;
  }
}
