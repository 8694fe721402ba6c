import type { ChatChannel, ChatUser } from "../chat-command.js";
import { SlashbuildError } from "../errors.js";
import { peopleToMention } from "../triggers/people-to-mention.js";
import { checkApproval } from "./approval-rules.js";
import { approvalsOf, type Decision, type Deploy } from "./deploy.js";
import { environmentOf } from "./deploy-admission.js";
import type { DeployContext } from "./deploy-context.js";

export interface DecisionRequest {
  /** The deploy's number (its build's). */
  readonly deploy: number;
  readonly verdict: "approved" | "rejected";
  readonly user: ChatUser;
  /** Where it was typed or clicked; null = the web page (no channel; the session vouches for the user). */
  readonly channel: ChatChannel | null;
  readonly via: Decision["via"];
  readonly reason?: string | null;
  /** A button's round (approval-rules.ts currentButton); absent for commands and the web. */
  readonly round?: number;
}

export interface DecisionOutcome {
  readonly deploy: Deploy;
  readonly decision: Decision;
  /** Approvals still missing after this one (0 once approved; irrelevant when rejected). */
  readonly missing: number;
}

const MAX_REASON = 300;

/**
 * Records an approval or a rejection once the rules pass (approval-rules.ts), and moves the deploy
 * on: enough approvals queue it (and start it if its environment is free), a rejection ends it.
 * The decision, the deploy's new state and their announcement are one transaction.
 */
export function decideDeploy(context: DeployContext, request: DecisionRequest): DecisionOutcome {
  const { store, builds, queue } = context;
  const deploy = store.get(request.deploy);
  if (!deploy) {
    const what = builds.find(request.deploy)
      ? `#${request.deploy} is a build, not a deploy`
      : `There is no deploy #${request.deploy}`;
    throw new SlashbuildError(
      "DEPLOY_UNKNOWN",
      `${what}; \`/build envs\` shows the deploys waiting for approval.`,
    );
  }
  const place = environmentOf(context.config, deploy.repo, deploy.environment);
  const now = context.clock();
  checkApproval(
    {
      deploy,
      repo: place.repo,
      environment: place.environment,
      verdict: request.verdict,
      user: request.user,
      channel: request.channel,
      now,
      behind: behindThePush(context, deploy),
      ...(request.round === undefined ? {} : { round: request.round }),
    },
    context.access,
    context.rules,
  );
  const reason = request.reason?.trim().slice(0, MAX_REASON) || null;
  const decision: Decision = {
    userId: request.user.id,
    userName: request.user.name,
    verdict: request.verdict,
    reason: request.verdict === "rejected" ? reason : null,
    via: request.via,
    at: now,
  };
  return context.atomically(() => {
    store.decide(deploy.buildId, decision);
    let after = queue.get(deploy.buildId);
    const missing = Math.max(0, after.approvalsNeeded - approvalsOf(after).length);
    if (decision.verdict === "rejected") {
      after = queue.end(after, "rejected", `rejected by @${decision.userName}${reason ? `: ${reason}` : ""}`);
    } else if (missing === 0) {
      store.update(after.buildId, { state: "queued" });
      queue.advance(after.repo, after.environment);
      after = queue.get(after.buildId);
    }
    const build = builds.find(after.buildId);
    if (build) context.notifier.decided(after, build, decision);
    return { deploy: after, decision, missing };
  });
}

/**
 * Who is behind an auto deploy's revision: the pusher (its login is the deploy's requester) and, from
 * the build it came from, the commit authors `forges.<host>.mattermost_users` maps to chat users.
 */
function behindThePush(context: DeployContext, deploy: Deploy): string[] {
  if (deploy.kind !== "auto") return [];
  const source = deploy.sourceBuildId === null ? undefined : context.builds.find(deploy.sourceBuildId);
  const repo = context.config.repos[deploy.repo];
  const forge = repo?.forge ? context.config.forges?.[repo.forge] : undefined;
  return [deploy.requester, ...peopleToMention(source?.trigger, forge)];
}
