import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ChatUser, WEB_CHANNEL } from "../core/chat-command.js";
import { isSlashbuildError } from "../core/errors.js";
import { renderMessagePage } from "./error-page.js";
import { buildFromParam, type WebContext } from "./web-context.js";

/**
 * Rebuilds from the web are requested "in" the pseudo-channel WEB_CHANNEL. Channel allow-lists apply
 * to it as to any channel: where `access.channels` or a repo's `channels` is set, the web may
 * rebuild only if the list names `web` (or `*`). Per-user rules (repo users, protected branches,
 * admins) apply to the signed-in user as they do in chat.
 */

type ActionRequest = FastifyRequest<{ Params: { id: string }; Body: { csrf?: unknown } }>;

/** Stop and Rebuild: the same BuildService calls, and so the same permission checks, as chat. */
export function actionRoutes(app: FastifyInstance, ctx: WebContext): void {
  const refuse = (request: FastifyRequest, reply: FastifyReply, status: number, why: string, back: string) =>
    reply
      .status(status)
      .type("text/html; charset=utf-8")
      .send(renderMessagePage("Not done", why, ctx.auth.viewer(request), back));

  const guarded =
    (act: (request: ActionRequest, reply: FastifyReply, user: ChatUser, id: number) => Promise<unknown>) =>
    async (request: ActionRequest, reply: FastifyReply) => {
      const back = `/builds/${encodeURIComponent(request.params.id)}`;
      let user: ChatUser;
      try {
        user = ctx.auth.checkActionPost(request, request.body?.csrf);
      } catch (error) {
        if (!isSlashbuildError(error)) throw error;
        return refuse(request, reply, error.httpStatus, error.message, back);
      }
      const build = buildFromParam(ctx, request.params.id);
      try {
        return await act(request, reply, user, build.id);
      } catch (error) {
        if (!isSlashbuildError(error)) throw error;
        const why =
          error.code === "CHANNEL_NOT_ALLOWED"
            ? `${error.message} Rebuilds from the web count as the channel "web": add web to the allowed channels to permit them.`
            : error.message;
        return refuse(request, reply, error.httpStatus, why, back);
      }
    };

  app.post<{ Params: { id: string }; Body: { csrf?: unknown } }>(
    "/builds/:id/stop",
    guarded(async (request, reply, user, id) => {
      await ctx.service.stopBuild(id, user);
      request.log.info({ user: user.name, buildId: id }, "build stopped from the web");
      return reply.redirect(`/builds/${id}`, 303);
    }),
  );

  app.post<{ Params: { id: string }; Body: { csrf?: unknown } }>(
    "/builds/:id/rebuild",
    guarded(async (request, reply, user, id) => {
      // Deduplicated as the chat button is: a second click, or a click while someone's rebuild of
      // the same commit is queued or running, lands on that build instead of starting another.
      const { build, duplicate } = await ctx.service.rebuild(id, user, WEB_CHANNEL);
      request.log.info(
        { user: user.name, buildId: id, rebuild: build.id, duplicate },
        "rebuild requested from the web",
      );
      return reply.redirect(`/builds/${build.id}`, 303);
    }),
  );
}
