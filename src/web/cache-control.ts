import type { FastifyReply } from "fastify";

/**
 * Nothing the web UI answers is to be kept, except the static assets (named by their content hash,
 * assets.ts). Pages, raw logs and JSON may need sign-in to read: a shared cache would hand them to
 * the next person asking for the URL, and a browser keeps them after sign-out (Back shows them).
 * The sign-in page carries a one-use nonce and its cookie, and a signed-in page's forms carry the
 * session's CSRF token. Where reading is public, a page still differs by viewer (who is signed in,
 * their CSRF token, the Mattermost ids only they see), so it is not kept either.
 */
export const NOT_STORED = "private, no-store";

/** For every answer that did not say otherwise; event streams, which skip onSend, set it themselves. */
export function defaultToNotStored(reply: FastifyReply): void {
  if (!reply.hasHeader("cache-control")) reply.header("cache-control", NOT_STORED);
}
