import formbody from "@fastify/formbody";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { ChatCommand, Reply } from "../../core/chat-command.js";
import { isSlashbuildError, SlashbuildError } from "../../core/errors.js";
import { apologize, replyText } from "../apologize.js";
import {
  extractToken,
  type FormRecord,
  type HeaderRecord,
  parseSlashRequest,
} from "./parse-slash-request.js";
import { verifyToken } from "./verify-token.js";

/**
 * The slash-command receiver: verify the token, translate the form, let the core answer, and
 * reply in the shape Mattermost reads (CONTRACT §1-2: exactly 200, application/json). It holds no
 * build logic. Register it without fastify-plugin so formbody stays inside this scope.
 */

/** The Request URL, and the one installations of the old Buildbot change hook already use. */
export const SLASH_PATHS = ["/mattermost/command", "/change_hook/mattermost"] as const;
/** A real slash form is about 1 KiB; anything near this cap is not from Mattermost. */
export const SLASH_BODY_LIMIT = 64 * 1024;

export interface SlashRouteOptions {
  readonly handleCommand: (command: ChatCommand) => Promise<Reply>;
  readonly tokens: readonly string[];
  /** Names that keep their capital after "Sorry, " (chat/apologize.ts): the Git hosts' and the chat platforms'. */
  readonly properNames: readonly string[];
  readonly bodyLimit?: number;
}

/** What Mattermost reads from our answer (a subset of its CommandResponse). */
export interface SlashResponse {
  response_type: "ephemeral" | "in_channel";
  text: string;
}

export const slashRoute: FastifyPluginAsync<SlashRouteOptions> = async (app, options) => {
  const bodyLimit = options.bodyLimit ?? SLASH_BODY_LIMIT;
  if (!app.hasContentTypeParser("application/x-www-form-urlencoded")) {
    await app.register(formbody, { bodyLimit });
  }

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // Mattermost POSTs a form (CONTRACT §1); a JSON or text body is not from it, whatever it holds.
    if (request.method === "POST" && !isForm(request.headers["content-type"])) {
      throw new SlashbuildError(
        "REQUEST_UNSUPPORTED",
        "A slash command arrives as a form (application/x-www-form-urlencoded POST) or a GET query; point a Mattermost slash command at this URL.",
      );
    }
    // Mattermost sends the form as the body for POST and as the query string for GET.
    const source = request.method === "GET" ? request.query : request.body;
    const form: FormRecord = isRecord(source) ? (source as FormRecord) : {};
    const headers = request.headers as HeaderRecord;

    if (!verifyToken(extractToken(form, headers), options.tokens)) {
      request.log.warn("slash command refused: missing or wrong token");
      // Answered by http/error-handler.ts, like every other SlashbuildError on HTTP.
      throw new SlashbuildError(
        "AUTH_TOKEN_INVALID",
        "Missing or wrong slash-command token: copy the token of the Mattermost slash command into mattermost.token.",
      );
    }

    // A malformed form throws REQUEST_INVALID, answered the same way.
    const command: ChatCommand = parseSlashRequest(form, headers).command;

    const { answer, refusal } = await answerCommand(options, command, request);
    // Mattermost reads only the body; `slashbuild try` reads this to exit non-zero on a refusal.
    if (refusal) reply.header(REFUSAL_HEADER, refusal);
    return reply.code(200).type("application/json").send(answer);
  };

  for (const url of SLASH_PATHS) {
    app.route({ method: ["GET", "POST"], url, bodyLimit, handler });
  }
};

/** The answer's header naming a refusal's code (docs/errors.md), or `unexpected` for a failure. */
export const REFUSAL_HEADER = "slashbuild-refusal";

/** Refusals (SlashbuildErrors) become ephemeral replies; anything unexpected too, but logged. */
async function answerCommand(
  { handleCommand, properNames }: Pick<SlashRouteOptions, "handleCommand" | "properNames">,
  command: ChatCommand,
  request: FastifyRequest,
): Promise<{ answer: SlashResponse; refusal: string | null }> {
  try {
    const reply = await handleCommand(command);
    const answer: SlashResponse = { response_type: reply.visibility, text: replyText(reply, properNames) };
    return { answer, refusal: reply.refusal ? (reply.code ?? "unexpected") : null };
  } catch (error) {
    if (isSlashbuildError(error)) {
      const text = apologize(error.message, properNames);
      return { answer: { response_type: "ephemeral", text }, refusal: error.code };
    }
    request.log.error({ err: error }, "slash command failed");
    // Mattermost would show a non-200 only as "returned response 500"; say something useful instead.
    const text = `Sorry, slashbuild failed to handle that command (request ${request.id}); its log has the details.`;
    return { answer: { response_type: "ephemeral", text }, refusal: "unexpected" };
  }
}

function isForm(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() === "application/x-www-form-urlencoded";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
