import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ChatUser } from "../core/chat-command.js";
import type { DeployService } from "../core/deploys/deploy-service.js";
import { isSlashbuildError, SlashbuildError } from "../core/errors.js";
import { renderEnvironmentsPage } from "./environments-page.js";
import { renderMessagePage } from "./error-page.js";
import type { WebContext } from "./web-context.js";

/** How many deploys (and lock events) of each environment the page shows. */
const HISTORY = 20;

type DecisionRequest = FastifyRequest<{
  Params: { id: string };
  Body: { csrf?: unknown; reason?: unknown };
}>;

/**
 * The environments page of a repo, and Approve and Reject from it (issue 20). A decision is
 * DeployService.decide with `via: "web"` and no channel (the session vouches for the user), so
 * every rule of chat applies: not the requester (by chat user id, which a password account does
 * not have), only approvers and admins, once per person. The forms pass the CSRF gate the build
 * page's Stop and Rebuild do.
 */
export function deployRoutes(app: FastifyInstance, ctx: WebContext, deploys: DeployService): void {
  app.get<{ Params: { repo: string } }>("/environments/:repo", async (request, reply) => {
    const repo = request.params.repo;
    const environments = deploys.reads.environments(repo, null).map((status) => ({
      status,
      history: deploys.reads.history(status.repo, status.environment.name, null, HISTORY),
    }));
    reply.type("text/html; charset=utf-8");
    return renderEnvironmentsPage({ repo, environments, viewer: ctx.auth.viewer(request) });
  });

  const decide =
    (verdict: "approved" | "rejected") => async (request: DecisionRequest, reply: FastifyReply) => {
      const refuse = (status: number, why: string, back: string) =>
        reply
          .status(status)
          .type("text/html; charset=utf-8")
          .send(renderMessagePage("Not done", why, ctx.auth.viewer(request), back));
      const number = deployNumber(request.params.id);
      const deploy = deploys.get(number);
      if (!deploy) {
        throw new SlashbuildError(
          "DEPLOY_UNKNOWN",
          `There is no deploy #${number}; the environments pages show what waits.`,
        );
      }
      const back = `/environments/${encodeURIComponent(deploy.repo)}`;
      const reason = typeof request.body?.reason === "string" ? request.body.reason : null;
      let user: ChatUser;
      try {
        // Same origin, signed in, the session's form token: refusals are SlashbuildErrors.
        user = ctx.auth.checkActionPost(request, request.body?.csrf);
        deploys.decide({ deploy: number, verdict, user, channel: null, via: "web", reason });
      } catch (error) {
        if (!isSlashbuildError(error)) throw error;
        return refuse(error.httpStatus, error.message, back);
      }
      request.log.info({ user: user.name, deploy: number, verdict }, "deploy decided from the web");
      return reply.redirect(`${back}#env-${encodeURIComponent(deploy.environment)}`, 303);
    };
  app.post("/deploys/:id/approve", decide("approved"));
  app.post("/deploys/:id/reject", decide("rejected"));
}

function deployNumber(raw: string): number {
  if (!/^\d{1,12}$/.test(raw))
    throw new SlashbuildError("NOT_FOUND", `There is no deploy ${raw}; deploy numbers are digits.`);
  return Number(raw);
}
