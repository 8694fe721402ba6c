import type { FastifyInstance } from "fastify";
import { SlashbuildError } from "../../core/errors.js";
import type { WebContext } from "../web-context.js";
import { type BadgeVerdict, renderBadge } from "./render-badge.js";

/**
 * Badges are for READMEs, which GitHub shows through its image proxy (camo) and other hosts through
 * theirs: public, and kept a minute. A shared cache may keep them because a badge is the same for
 * everyone (it never depends on who asks, signed in or not), and a minute bounds how late a new
 * verdict shows, while a README viewed a thousand times a minute costs one render per proxy.
 */
export const BADGE_CACHE_CONTROL = "public, max-age=60";

/**
 * `/badge/<repo>/<branch>.svg` (the branch may hold slashes): the branch's latest verdict. Only for
 * repos with `public_badge: true`; for any other repo, one that does not exist, or a branch never
 * built (or with no verdict yet), the same grey "unknown" badge with the same headers, so no badge
 * URL tells whether a repo exists. The read gate lets /badge/ through; this is its whole check.
 */
export function badgeRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Params: { repo: string; "*": string } }>("/badge/:repo/*", async (request, reply) => {
    const { repo, "*": file } = request.params;
    if (!file.endsWith(".svg") || file.length <= 4) {
      throw new SlashbuildError(
        "NOT_FOUND",
        "A badge's address is /badge/<repo>/<branch>.svg, e.g. /badge/app/main.svg.",
      );
    }
    reply.type("image/svg+xml; charset=utf-8").header("cache-control", BADGE_CACHE_CONTROL);
    return renderBadge(verdictOf(ctx, repo, file.slice(0, -4)));
  });
}

function verdictOf(ctx: WebContext, repo: string, branch: string): BadgeVerdict {
  const config = Object.hasOwn(ctx.config.repos, repo) ? ctx.config.repos[repo] : undefined;
  if (config?.publicBadge !== true) return "unknown";
  const status = ctx.service.branchHead(repo, branch)?.verdict?.status;
  return status === "succeeded" || status === "failed" || status === "timed_out" ? status : "unknown";
}
