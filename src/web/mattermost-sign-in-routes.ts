import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isSlashbuildError } from "../core/errors.js";
import {
  authorizeUrl,
  CALLBACK_PATH,
  callbackUrl,
  START_PATH,
  signInWithCode,
} from "./auth/mattermost-oauth.js";
import { safeNext } from "./auth-routes.js";
import { renderMessagePage } from "./error-page.js";
import type { WebContext } from "./web-context.js";

export interface MattermostSignInOptions {
  /** For the server-to-server token exchange and users/me; tests pass nothing (loopback fake). */
  readonly fetch?: typeof fetch;
}

type CallbackQuery = { code?: string; state?: string; error?: string };

/**
 * Sign in with Mattermost: /login/mattermost sends the browser to Mattermost's /oauth/authorize
 * with a fresh state bound to this browser by a signed cookie; the callback checks that state,
 * trades the code for the user (mattermost-oauth.ts), and starts a session through WebAuth, the
 * same way a password sign-in does. The identity is the Mattermost user's id and name.
 */
export function mattermostSignInRoutes(
  app: FastifyInstance,
  ctx: WebContext,
  options: MattermostSignInOptions = {},
): void {
  const refuse = (request: FastifyRequest, reply: FastifyReply, status: number, why: string) =>
    reply
      .status(status)
      .type("text/html; charset=utf-8")
      .send(renderMessagePage("Not signed in", why, ctx.auth.viewer(request), "/login"));

  const settings = () => ctx.config.web.mattermostSignIn ?? null;

  app.get<{ Querystring: { next?: string } }>(START_PATH, async (request, reply) => {
    const signIn = settings();
    if (!signIn) {
      return refuse(
        request,
        reply,
        404,
        "Sign-in with Mattermost is not configured (web.mattermost_sign_in).",
      );
    }
    const { state, cookie } = ctx.auth.beginMattermostSignIn(safeNext(request.query.next));
    return reply
      .header("set-cookie", cookie)
      .redirect(authorizeUrl(signIn, callbackUrl(ctx.config.publicUrl), state), 303);
  });

  app.get<{ Querystring: CallbackQuery }>(CALLBACK_PATH, async (request, reply) => {
    const signIn = settings();
    if (!signIn) {
      return refuse(
        request,
        reply,
        404,
        "Sign-in with Mattermost is not configured (web.mattermost_sign_in).",
      );
    }
    const { code, state, error } = request.query;
    let checked: { readonly next: string };
    try {
      checked = ctx.auth.checkMattermostState(request, state);
    } catch (refusal) {
      if (!isSlashbuildError(refusal)) throw refusal;
      request.log.warn("Mattermost sign-in refused: state missing, expired or not this browser's");
      return refuse(request, reply, refusal.httpStatus, refusal.message);
    }
    if (typeof error === "string" || typeof code !== "string" || code.length === 0 || code.length > 256) {
      const why = typeof error === "string" ? ` (Mattermost said: ${error.slice(0, 100)})` : "";
      return refuse(request, reply, 403, `Mattermost did not sign you in${why}. Start again from Sign in.`);
    }
    try {
      const user = await signInWithCode(signIn, callbackUrl(ctx.config.publicUrl), code, {
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      request.log.info({ user: user.name, userId: user.id }, "web sign-in with Mattermost");
      return reply
        .header("set-cookie", ctx.auth.startSession({ ...user, via: "mattermost" }))
        .redirect(checked.next, 303);
    } catch (caught) {
      if (!isSlashbuildError(caught)) throw caught;
      request.log.warn({ err: caught }, "Mattermost sign-in failed");
      return refuse(request, reply, caught.httpStatus, caught.message);
    }
  });
}
