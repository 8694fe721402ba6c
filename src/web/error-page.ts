import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { isSlashbuildError } from "../core/errors.js";
import { errorHandler } from "../http/error-handler.js";
import type { Viewer } from "./auth/web-auth.js";
import { html, type SafeHtml } from "./html.js";
import { layout } from "./layout.js";

export function renderMessagePage(title: string, message: string, viewer: Viewer, back?: string): string {
  return layout(
    title,
    html`<h1>${title}</h1><p class="notice error" role="alert">${inlineCode(message)}</p>${back ? html`<p><a href="${back}">← Back</a></p>` : ""}`,
    { viewer },
  ).value;
}

/**
 * Messages are written for chat too, where `/build status` is code: here each `…` span becomes a
 * <code> element (its text escaped like the rest), never a pair of literal backticks. A message
 * with an unpaired backtick is shown as it is.
 */
export function inlineCode(message: string): SafeHtml {
  const parts = message.split("`");
  if (parts.length % 2 === 0) return html`${message}`;
  return html`${parts.map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}

/**
 * Errors on pages people open in a browser become HTML pages; the JSON endpoints (API, log windows)
 * keep the service's JSON error shape from http/error-handler.ts.
 */
export function webErrorHandler(viewerOf: (request: FastifyRequest) => Viewer) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const wantsHtml = (request.headers.accept ?? "").includes("text/html");
    if (!wantsHtml) {
      errorHandler(error, request, reply);
      return;
    }
    const status = isSlashbuildError(error)
      ? error.httpStatus
      : error.statusCode && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 500;
    if (status === 500) request.log.error({ err: error }, "web request failed");
    const message =
      status === 500 ? "slashbuild hit an internal error; the service log has the details." : error.message;
    void reply
      .status(status)
      .type("text/html; charset=utf-8")
      .send(
        renderMessagePage(
          status === 404 ? "Not found" : "Something went wrong",
          message,
          viewerOf(request),
          "/",
        ),
      );
  };
}
