import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Build } from "../core/build.js";
import { SlashbuildError } from "../core/errors.js";
import { apiClientOf } from "./api/api-auth.js";
import { CALLBACK_PATH, START_PATH } from "./auth/mattermost-oauth.js";
import { safeNext } from "./auth-routes.js";
import type { WebContext } from "./web-context.js";

/**
 * What anyone may GET under `web.read: signed_in`: every way to sign in, which is the whole of each
 * sign-in flow (Mattermost's starts at START_PATH and comes back to CALLBACK_PATH), and the static
 * assets. Gating the Mattermost paths sent the browser back to /login forever (issue 18).
 */
export const SIGN_IN_PATHS: ReadonlySet<string> = new Set(["/login", START_PATH, CALLBACK_PATH]);

/**
 * `web.read: signed_in` (the default, issue 8 item 7): build pages, logs and the JSON API only for
 * signed-in users. Build logs show source, commit messages, paths and whatever a build prints;
 * anyone who could reach the port read them all. A browser asking for a page is sent to the
 * sign-in page (which says why); anything else gets 401. An /api request with an accepted API
 * token (api/api-auth.ts, checked before this) counts as signed in. The sign-in flows (`open`), the
 * static assets and the badges (each repo's own `public_badge` decides) stay open, and POSTs keep
 * their own checks (session + CSRF, or an API token).
 */
export function registerReadGate(
  app: FastifyInstance,
  ctx: WebContext,
  open: ReadonlySet<string> = SIGN_IN_PATHS,
): void {
  if (ctx.config.web.read === "public") return;
  app.addHook("onRequest", async (request, reply) => {
    if (!mustBeSignedIn(request, open) || apiClientOf(request) !== null) return;
    if (ctx.auth.viewer(request).user !== null) return;
    if ((request.headers.accept ?? "").includes("text/html")) {
      return reply.redirect(`/login?next=${encodeURIComponent(safeNext(request.url))}`, 303);
    }
    throw new SlashbuildError(
      "SIGN_IN_REQUIRED",
      `This slashbuild shows builds to signed-in users only (web.read: signed_in): sign in at ${ctx.config.publicUrl}/login.`,
    );
  });
}

function mustBeSignedIn(request: FastifyRequest, open: ReadonlySet<string>): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const path = request.url.split("?")[0] ?? "";
  return !open.has(path) && !path.startsWith("/assets/") && !path.startsWith("/badge/");
}

/**
 * A build as anyone may see it (web.read: public, no sign-in): without the Mattermost user and
 * channel ids, which are internal to the team's Mattermost and useful only to someone probing it.
 */
export function anonymousBuild(build: Build): Omit<Build, "requesterId" | "channelId"> {
  const { requesterId: _user, channelId: _channel, ...rest } = build;
  return rest;
}
