import type { FastifyPluginAsync, FastifyReply } from "fastify";
import type { Reply } from "../../core/chat-command.js";
import type { DecisionRequest } from "../../core/deploys/decide-deploy.js";
import { SlashbuildError } from "../../core/errors.js";
import { replyText } from "../apologize.js";
import type { ActionResponse, ClickerLookup } from "./action-route.js";
import { clickRefusal, parseClick } from "./button-click.js";
import { verifyDeployAction } from "./deploy-action-context.js";

/**
 * The receiver of Approve and Reject clicks (issue 20), beside action-route.ts and with its rules:
 * a context of exactly the shape signed (else 400), whose signature verifies (403) and which has
 * not expired (410); clicked on the very post the deploy's buttons are on (403); by a clicker
 * Mattermost's API knows, judged under the name Mattermost gives (the click's `user_name` is
 * whatever its sender wrote). Approvals need all of it, so only bot mode takes them by button: in
 * webhook mode slashbuild can neither bind a click to a post nor ask who clicked, so no button is
 * drawn and any click is refused; approvals there are typed (`/build approve N`).
 */

export const DEPLOY_ACTION_PATH = "/mattermost/deploy-action";
const BODY_LIMIT = 64 * 1024;

export interface DeployActionRouteOptions {
  readonly secret: string;
  /** Records the decision (DeployService.decide) and words the answer; refusals as refusals. */
  readonly decide: (request: DecisionRequest) => Promise<Reply>;
  readonly properNames: readonly string[];
  readonly clock?: () => number;
  /** Bot mode: the post a deploy's buttons are on. Null in webhook mode. */
  readonly rootPostOf: ((buildId: number) => string | undefined) | null;
  /** Bot mode: who Mattermost says a user id is. Null in webhook mode. */
  readonly whoIs: ((userId: string) => Promise<ClickerLookup>) | null;
}

export const deployActionRoute: FastifyPluginAsync<DeployActionRouteOptions> = async (app, options) => {
  const clock = options.clock ?? Date.now;
  app.post(DEPLOY_ACTION_PATH, { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const body = (typeof request.body === "object" && request.body) || {};
    const check = verifyDeployAction(options.secret, (body as { context?: unknown }).context, clock());
    if (!check.ok) {
      request.log.warn({ reason: check.reason }, "deploy button click refused");
      throw clickRefusal(
        check.reason,
        "with its request; `/build envs` shows what still waits for approval.",
      );
    }
    const click = parseClick(body);
    const { action, deploy, round } = check;
    if (!options.rootPostOf || !options.whoIs) {
      throw new SlashbuildError(
        "ACTION_USER_UNKNOWN",
        `Without bot mode slashbuild cannot tell who clicked, so deploys are decided by command: type \`/build ${action} ${deploy}\`.`,
      );
    }
    if (click.post_id === undefined || click.post_id !== options.rootPostOf(deploy)) {
      request.log.warn({ action, deploy }, "deploy button click refused: not from the deploy's post");
      throw new SlashbuildError(
        "ACTION_WRONG_POST",
        `This button does not belong to the post it was clicked on; use the buttons on deploy #${deploy}'s own post.`,
      );
    }
    const who = await options.whoIs(click.user_id);
    if (who.kind === "unknown") {
      throw new SlashbuildError(
        "ACTION_USER_UNKNOWN",
        "Mattermost does not know the user who clicked (or the account is deactivated); sign in to Mattermost and click again.",
      );
    }
    if (who.kind === "unavailable") {
      request.log.warn(
        { action, deploy, error: who.error },
        "deploy button click: could not ask Mattermost who clicked",
      );
      return answer(reply, {
        ephemeral_text:
          "Sorry, slashbuild could not ask Mattermost who you are, so it did nothing. Click again in a moment.",
      });
    }
    const result = await options.decide({
      deploy,
      verdict: action === "approve" ? "approved" : "rejected",
      user: { id: click.user_id, name: who.name },
      channel: { id: click.channel_id, name: click.channel_name },
      via: "button",
      round,
    });
    return answer(reply, { ephemeral_text: replyText(result, options.properNames) });
  });
};

/** Exactly 200, or Mattermost shows "Action integration error." instead of our text. */
function answer(reply: FastifyReply, body: ActionResponse) {
  return reply
    .code(200)
    .type("application/json")
    .send({ ...body, skip_slack_parsing: true });
}
