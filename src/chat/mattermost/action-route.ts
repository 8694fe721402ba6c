import type { FastifyPluginAsync } from "fastify";
import type { ChatCommand, Reply } from "../../core/chat-command.js";
import { SlashbuildError } from "../../core/errors.js";
import { replyText } from "../apologize.js";
import { type ActionName, verifyAction } from "./action-signature.js";
import { clickRefusal, parseClick } from "./button-click.js";

/**
 * The button receiver (CONTRACT §6). Mattermost POSTs a click here as JSON with no auth header,
 * so the signed context is the credential. In order, a click must: carry a context of exactly
 * the shape we sign (else 400), whose HMAC verifies (403) and which has not expired (410); in bot
 * mode come from the very post the build's buttons are on (403); and, in bot mode, name a
 * clicker Mattermost's API knows, whose name *as Mattermost returns it* is then used for the
 * permission check (the request's `user_name` is whatever the sender typed). Only then is the
 * click translated into the command a person would type (`stop N`, `rebuild N`) and answered by
 * the core. The answer is an ephemeral text; the post itself is updated through the outbox (an
 * `update` here could overtake the outbox's patch for a later state and show the past).
 */

export const ACTION_PATH = "/mattermost/action";
/** A click body is well under 2 KiB. */
const ACTION_BODY_LIMIT = 64 * 1024;

/** Who Mattermost says a user id is. */
export type ClickerLookup =
  | { readonly kind: "user"; readonly name: string }
  | { readonly kind: "unknown" }
  | { readonly kind: "unavailable"; readonly error: string };

export interface ActionRouteOptions {
  readonly secret: string;
  readonly handleCommand: (command: ChatCommand) => Promise<Reply>;
  /** Names that keep their capital after "Sorry, " (chat/apologize.ts): the Git hosts' and the chat platforms'. */
  readonly properNames: readonly string[];
  /** The ephemeral answer to "Full log": links to the build page and its steps. */
  readonly fullLog: (buildId: number) => string;
  /** Milliseconds since the epoch; contexts expire against it. */
  readonly clock?: () => number;
  /**
   * Bot mode: the id of the post a build's buttons are on (chat_posts). Null in webhook mode,
   * where Mattermost never tells us the id of a post made through the hook.
   */
  readonly rootPostOf?: ((buildId: number) => string | undefined) | null;
  /** Bot mode: asks Mattermost who a user id is. Null in webhook mode (no token to ask with). */
  readonly whoIs?: ((userId: string) => Promise<ClickerLookup>) | null;
}

/** What Mattermost reads from our answer (PostActionIntegrationResponse, a subset). */
export interface ActionResponse {
  ephemeral_text?: string;
  skip_slack_parsing?: boolean;
}

const COMMANDS: Readonly<Record<Exclude<ActionName, "log">, string>> = { stop: "stop", rebuild: "rebuild" };

export const actionRoute: FastifyPluginAsync<ActionRouteOptions> = async (app, options) => {
  const clock = options.clock ?? Date.now;
  app.post(ACTION_PATH, { bodyLimit: ACTION_BODY_LIMIT }, async (request, reply) => {
    const body = (typeof request.body === "object" && request.body) || {};
    const check = verifyAction(options.secret, (body as { context?: unknown }).context, clock());
    if (!check.ok) {
      request.log.warn({ reason: check.reason }, "button click refused");
      throw clickRefusal(
        check.reason,
        "(mattermost.button_lifetime); type the command instead, e.g. /build rebuild N.",
      );
    }
    const click = parseClick(body);
    const { action, build } = check;
    if (options.rootPostOf) {
      const postId = options.rootPostOf(build);
      if (postId === undefined || click.post_id !== postId) {
        request.log.warn({ action, build }, "button click refused: not from the build's post");
        throw new SlashbuildError(
          "ACTION_WRONG_POST",
          `This button does not belong to the post it was clicked on; use the buttons on build #${build}'s own post.`,
        );
      }
    }
    let userName = click.user_name;
    if (options.whoIs) {
      const who = await options.whoIs(click.user_id);
      if (who.kind === "unknown") {
        request.log.warn({ action, build }, "button click refused: Mattermost does not know the clicker");
        throw new SlashbuildError(
          "ACTION_USER_UNKNOWN",
          "Mattermost does not know the user who clicked (or the account is deactivated); sign in to Mattermost and click again.",
        );
      }
      if (who.kind === "unavailable") {
        request.log.warn(
          { action, build, error: who.error },
          "button click: could not ask Mattermost who clicked",
        );
        // Exactly 200, so the clicker reads why; nothing was done.
        return answer(reply, {
          ephemeral_text:
            "Sorry, slashbuild could not ask Mattermost who you are, so it did nothing. Click again in a moment.",
        });
      }
      userName = who.name;
    }
    if (action === "log") return answer(reply, { ephemeral_text: options.fullLog(build) });
    const user = { id: click.user_id, name: userName };
    const channel = { id: click.channel_id, name: click.channel_name };
    try {
      const result = await options.handleCommand({ text: `${COMMANDS[action]} ${build}`, user, channel });
      return answer(reply, { ephemeral_text: replyText(result, options.properNames) });
    } catch (error) {
      request.log.error({ err: error, action, build }, "button click failed");
      return answer(reply, {
        ephemeral_text: `Sorry, slashbuild failed to handle that click (request ${request.id}).`,
      });
    }
  });
};

/** Exactly 200, or Mattermost shows "Action integration error." instead of our text. */
function answer(reply: import("fastify").FastifyReply, body: ActionResponse) {
  return reply
    .code(200)
    .type("application/json")
    .send({ ...body, skip_slack_parsing: true });
}
