import type { FastifyInstance, FastifyReply } from "fastify";
import { isSlashbuildError } from "../core/errors.js";
import { START_PATH } from "./auth/mattermost-oauth.js";
import { renderMessagePage } from "./error-page.js";
import { html } from "./html.js";
import { layout } from "./layout.js";
import type { WebContext } from "./web-context.js";

type LoginBody = { user?: unknown; password?: unknown; csrf?: unknown; next?: unknown };

/** Only a path on this site may follow sign-in: never `//host` or a full URL (open redirect). */
export function safeNext(value: unknown): string {
  return typeof value === "string" && /^\/(?![/\\])[A-Za-z0-9/_.~?=&%#-]{0,200}$/.test(value) ? value : "/";
}

/** Why a careful team keeps builds behind sign-in; shown where sign-in is asked for. */
const WHY_SIGN_IN =
  "Build pages and logs can show source code, commit messages, internal names and whatever a build prints, so this slashbuild shows them to signed-in users only.";

/** Sign-in (password; Mattermost's is in mattermost-sign-in-routes.ts) and sign-out. In effect only when sign-in is configured. */
export function authRoutes(app: FastifyInstance, ctx: WebContext): void {
  const signedInOnly = ctx.config.web.read === "signed_in";
  const loginPage = (reply: FastifyReply, next: string, error?: string, name = "") => {
    const form = ctx.auth.loginForm();
    reply.header("set-cookie", form.cookie).type("text/html; charset=utf-8");
    // Mattermost first: where it is configured, it is how most people sign in.
    const mattermost = ctx.auth.mattermostEnabled
      ? html`<p><a class="button primary" id="sign-in-mattermost" href="${START_PATH}?next=${encodeURIComponent(next)}">Sign in with Mattermost</a></p>`
      : "";
    const passwords = ctx.auth.passwordsEnabled
      ? html`<form class="login" method="post" action="/login">
<input type="hidden" name="csrf" value="${form.csrf}"><input type="hidden" name="next" value="${next}">
<label>User name<input name="user" value="${name}" autocomplete="username" required></label>
<label>Password<input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit" class="primary">Sign in</button></form>`
      : "";
    return layout(
      "Sign in",
      html`<h1>Sign in</h1>${error ? html`<p class="notice error" role="alert">${error}</p>` : ""}${signedInOnly ? html`<p class="muted">${WHY_SIGN_IN}</p>` : ""}${mattermost}${passwords}`,
      { viewer: { signInEnabled: true, user: null, csrf: null } },
    ).value;
  };

  const readOnly = (reply: FastifyReply) =>
    reply
      .status(signedInOnly ? 401 : 404)
      .type("text/html; charset=utf-8")
      .send(
        signedInOnly
          ? renderMessagePage(
              "Sign-in is needed, and not set up yet",
              `${WHY_SIGN_IN} Nobody can sign in yet: an admin adds web users (web.users, hashes made by \`slashbuild hash-password\`) or sign-in with Mattermost (web.mattermost_sign_in), or sets web.read: public to show builds to anyone who can reach this address.`,
              { signInEnabled: false, user: null, csrf: null },
            )
          : renderMessagePage(
              "Sign-in is not configured",
              "This slashbuild's web UI is read-only: there are no web users (web.users) and no sign-in with Mattermost (web.mattermost_sign_in) in the configuration.",
              { signInEnabled: false, user: null, csrf: null },
              "/",
            ),
      );

  app.get<{ Querystring: { next?: string } }>("/login", async (request, reply) => {
    if (!ctx.auth.enabled) return readOnly(reply);
    const next = safeNext(request.query.next);
    if (ctx.auth.viewer(request).user !== null) return reply.redirect(next, 303);
    return loginPage(reply, next);
  });

  app.post<{ Body: LoginBody }>("/login", async (request, reply) => {
    const body = request.body ?? {};
    const next = safeNext(body.next);
    try {
      ctx.auth.checkSignInPost(request, body.csrf);
    } catch (error) {
      if (!isSlashbuildError(error)) throw error;
      if (error.code === "SIGN_IN_NOT_CONFIGURED") return readOnly(reply);
      reply.status(error.httpStatus);
      return loginPage(reply, next, error.message);
    }
    const name = typeof body.user === "string" ? body.user.slice(0, 64) : "";
    const password = typeof body.password === "string" ? body.password.slice(0, 1024) : "";
    // Refused before the password is even checked while this attempt's keys are backing off.
    const attempt = { address: request.ip, user: name, device: ctx.devices.idFor(request, name) };
    const wait = ctx.throttle.retryAfterMs(attempt);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      reply.status(429).header("retry-after", String(seconds));
      return loginPage(reply, next, `Too many failed sign-ins; try again in ${seconds} s.`, name);
    }
    const cookies = ctx.auth.passwordsEnabled ? await ctx.auth.signIn(name, password) : null;
    if (!cookies) {
      ctx.throttle.failed(attempt);
      request.log.warn({ user: name }, "web sign-in failed");
      reply.status(401);
      return loginPage(reply, next, "Wrong user name or password.", name);
    }
    ctx.throttle.succeeded(attempt);
    request.log.info({ user: name }, "web sign-in");
    return reply.header("set-cookie", [...cookies, ctx.devices.issue(name)]).redirect(next, 303);
  });

  app.post<{ Body: { csrf?: unknown } }>("/logout", async (request, reply) => {
    try {
      ctx.auth.checkActionPost(request, request.body?.csrf);
    } catch (error) {
      if (!isSlashbuildError(error)) throw error;
      return reply
        .status(error.httpStatus)
        .type("text/html; charset=utf-8")
        .send(renderMessagePage("Not signed out", error.message, ctx.auth.viewer(request), "/"));
    }
    return reply.header("set-cookie", ctx.auth.signOut(request)).redirect("/", 303);
  });
}
