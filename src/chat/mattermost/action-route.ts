import type { FastifyPluginAsync } from "fastify";
import type { ChatCommand, Reply } from "../../core/chat-command.js";
import { type ActionName, verifyAction } from "./action-signature.js";
import { replyText } from "./apologize.js";

/**
 * The button receiver (CONTRACT §6). Mattermost POSTs a click here as JSON with no auth header,
 * so the HMAC in the button's context is the credential: without a valid one nothing happens.
 * A verified Stop or Rebuild is translated into the very command a person would type
 * (`stop N`, `rebuild N`) and answered by the core, so the clicker's permission is checked
 * exactly as for a typed command. The answer is an ephemeral text; the build's post itself is
 * updated through the outbox (an `update` in this answer could overtake the outbox's patch for a
 * later state of the build and leave the post showing the past).
 */

export const ACTION_PATH = "/mattermost/action";
/** A click body is well under 2 KiB. */
const ACTION_BODY_LIMIT = 64 * 1024;

export interface ActionRouteOptions {
  readonly secret: string;
  readonly handleCommand: (command: ChatCommand) => Promise<Reply>;
  /** The ephemeral answer to "Full log": links to the build page and its steps. */
  readonly fullLog: (buildId: number) => string;
}

/** What Mattermost reads from our answer (PostActionIntegrationResponse, a subset). */
export interface ActionResponse {
  ephemeral_text?: string;
  skip_slack_parsing?: boolean;
}

const COMMANDS: Readonly<Record<Exclude<ActionName, "log">, string>> = { stop: "stop", rebuild: "rebuild" };

export const actionRoute: FastifyPluginAsync<ActionRouteOptions> = async (app, options) => {
  app.post(ACTION_PATH, { bodyLimit: ACTION_BODY_LIMIT }, async (request, reply) => {
    const body = isRecord(request.body) ? request.body : {};
    const verified = verifyAction(options.secret, body.context);
    if (!verified) {
      request.log.warn("button click refused: missing or wrong signature");
      return reply.code(403).send({
        error: "ACTION_SIGNATURE_INVALID",
        message: "This button's signature does not verify; it was not made by this slashbuild.",
      });
    }
    const user = identity(body.user_id, body.user_name);
    const channel = identity(body.channel_id, body.channel_name);
    if (!user || !channel) {
      return reply.code(400).send({
        error: "REQUEST_INVALID",
        message: "A button click names the user and channel (user_id, user_name, channel_id, channel_name).",
      });
    }
    let answer: ActionResponse;
    if (verified.action === "log") {
      answer = { ephemeral_text: options.fullLog(verified.build) };
    } else {
      const text = `${COMMANDS[verified.action]} ${verified.build}`;
      try {
        const result = await options.handleCommand({ text, user, channel });
        answer = { ephemeral_text: replyText(result) };
      } catch (error) {
        request.log.error(
          { err: error, action: verified.action, build: verified.build },
          "button click failed",
        );
        answer = { ephemeral_text: `Sorry, slashbuild failed to handle that click (request ${request.id}).` };
      }
    }
    // Exactly 200, or Mattermost shows "Action integration error." instead of our text.
    return reply
      .code(200)
      .type("application/json")
      .send({ ...answer, skip_slack_parsing: true });
  });
};

function identity(id: unknown, name: unknown): { id: string; name: string } | null {
  return typeof id === "string" && id !== "" && typeof name === "string" && name !== "" ? { id, name } : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
