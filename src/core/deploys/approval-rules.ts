import type { EnvironmentConfig, RepoConfig } from "../../config/config.js";
import { type ChatChannel, type ChatUser, isWebPasswordUser } from "../chat-command.js";
import { SlashbuildError } from "../errors.js";
import { DEPLOY_STATE_WORDS, type Deploy } from "./deploy.js";
import type { DeployAccess } from "./deploy-access.js";

/**
 * The rules every approval and rejection passes, whichever way it arrives (a typed command, a
 * button in chat, the web page). Each is named and separate, so a test can take one away and show
 * the attack it stops succeeding (test/unit/core/deploys/approval-rules.test.ts and the bot-mode
 * attacks in test/integration/deploys/). DeployService runs APPROVAL_RULES in order; the first
 * refusal is the answer.
 */

export interface ApprovalAttempt {
  readonly deploy: Deploy;
  readonly repo: RepoConfig;
  readonly environment: EnvironmentConfig;
  readonly verdict: "approved" | "rejected";
  /** As the chat platform vouches for it (in bot mode, the name Mattermost gives for the id). */
  readonly user: ChatUser;
  /** Where it was typed or clicked; null for the web, which has no channel. */
  readonly channel: ChatChannel | null;
  /**
   * The number of decisions the button was made after (a click); absent for a typed command. The
   * post is re-drawn with fresh buttons after every decision, so an older round is a replay.
   */
  readonly round?: number;
  readonly now: number;
  /**
   * Who else is behind what an auto deploy deploys (names or ids): the push's pusher and the
   * authors of its commits, through `forges.<host>.mattermost_users`. Empty for a typed deploy,
   * whose requester is known by id.
   */
  readonly behind: readonly string[];
}

export interface ApprovalRule {
  readonly name: string;
  /** A refusal, or null when the attempt passes this rule. */
  check(attempt: ApprovalAttempt, access: DeployAccess): SlashbuildError | null;
}

const number = (deploy: Deploy) => `#${deploy.buildId}`;

/** Only a deploy still waiting, and not past its expiry (the sweep may not have run yet). */
export const stillOpen: ApprovalRule = {
  name: "still-open",
  check({ deploy, now }) {
    const expired =
      deploy.state === "awaiting_approval" && deploy.expiresAt !== null && now >= deploy.expiresAt;
    if (deploy.state === "awaiting_approval" && !expired) return null;
    const state = expired ? "expired" : DEPLOY_STATE_WORDS[deploy.state];
    return new SlashbuildError(
      "DEPLOY_DECIDED",
      `Deploy ${number(deploy)} is not waiting for approval (it is ${state}); nothing to decide. \`/build history ${deploy.repo} ${deploy.environment}\` shows it.`,
    );
  },
};

/** A click counts only on the post as it is now: a captured button replayed later is refused. */
export const currentButton: ApprovalRule = {
  name: "current-button",
  check({ deploy, round }) {
    if (round === undefined || round === deploy.decisions.length) return null;
    return new SlashbuildError(
      "APPROVAL_STALE",
      `That button was drawn before the last decision on deploy ${number(deploy)}; use the buttons on its post as it is now, or type \`/build approve ${deploy.buildId}\`.`,
    );
  },
};

/** The requester never decides their own deploy. By user id: a name can be changed or typed by anyone. */
export const notTheRequester: ApprovalRule = {
  name: "not-the-requester",
  check({ deploy, user }) {
    if (user.id !== deploy.requesterId) return null;
    return new SlashbuildError(
      "APPROVAL_OWN_DEPLOY",
      `You asked for deploy ${number(deploy)}, so someone else must decide on it; \`/build stop ${deploy.buildId}\` cancels it.`,
    );
  },
};

/**
 * An auto deploy was asked for by nobody typing: its requester is a Git-host login, no chat id. The
 * people behind its push (pusher, mapped commit authors) decide nothing on it, matched by id or name
 * like every user list of the config.
 */
export const notBehindThePush: ApprovalRule = {
  name: "not-behind-the-push",
  check({ deploy, user, behind }) {
    const same = behind.some((who) => who === user.id || who.replace(/^@/, "") === user.name);
    if (!same) return null;
    return new SlashbuildError(
      "APPROVAL_OWN_DEPLOY",
      `Deploy ${number(deploy)} deploys a push you are behind (@${deploy.requester}'s), so someone else must decide on it.`,
    );
  },
};

/**
 * "Not the requester" is decided by chat user id, so only an identity with one may decide: a web
 * password account (web.users) has none, and the requester could sign in as one under another name.
 */
export const aChatIdentity: ApprovalRule = {
  name: "a-chat-identity",
  check({ deploy, user }) {
    if (!isWebPasswordUser(user)) return null;
    return new SlashbuildError(
      "APPROVAL_IDENTITY_UNVERIFIED",
      `A password account is not tied to a chat user, so slashbuild cannot tell whether you asked for deploy ${number(deploy)} yourself; sign in with Mattermost, or type \`/build approve ${deploy.buildId}\` in chat.`,
    );
  },
};

/** Only the environment's approvers, and admins. */
export const anApprover: ApprovalRule = {
  name: "an-approver",
  check({ environment, user, deploy }, access) {
    if (access.mayApprove(environment, user)) return null;
    const who =
      environment.approvers.length > 0 ? environment.approvers.map((a) => `@${a}`).join(", ") : "admins";
    return new SlashbuildError(
      "NOT_PERMITTED",
      `Only ${who} (or an admin) may decide on deploys to ${deploy.environment}; ask one of them.`,
    );
  },
};

/** From a channel where the repo may be used, like every other command about it. */
export const fromAllowedChannel: ApprovalRule = {
  name: "from-allowed-channel",
  check({ repo, channel, deploy }, access) {
    if (channel === null || access.channelAllowed(repo, channel)) return null;
    return new SlashbuildError(
      "CHANNEL_NOT_ALLOWED",
      `Deploys of ${repo.name} are decided only where ${repo.name} can be built; run \`/build approve ${deploy.buildId}\` there.`,
    );
  },
};

/** One decision per person: `approvals: 2` needs two different people. */
export const oncePerPerson: ApprovalRule = {
  name: "once-per-person",
  check({ deploy, user }) {
    const earlier = deploy.decisions.find((decision) => decision.userId === user.id);
    if (!earlier) return null;
    return new SlashbuildError(
      "DEPLOY_DECIDED",
      `You already ${earlier.verdict} deploy ${number(deploy)}; it needs ${deploy.approvalsNeeded} different people.`,
    );
  },
};

export const APPROVAL_RULES: readonly ApprovalRule[] = [
  stillOpen,
  currentButton,
  fromAllowedChannel,
  aChatIdentity,
  notTheRequester,
  notBehindThePush,
  anApprover,
  oncePerPerson,
];

export function checkApproval(
  attempt: ApprovalAttempt,
  access: DeployAccess,
  rules: readonly ApprovalRule[] = APPROVAL_RULES,
): void {
  for (const rule of rules) {
    const refusal = rule.check(attempt, access);
    if (refusal) throw refusal;
  }
}
