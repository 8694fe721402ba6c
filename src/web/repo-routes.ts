import type { FastifyInstance } from "fastify";
import { SlashbuildError } from "../core/errors.js";
import type { BranchHead } from "../core/ports.js";
import { renderRepoIndex, renderRepoPage } from "./repo-page.js";
import type { WebContext } from "./web-context.js";

/** Branches per page of a repo page (as many as builds on the list page), and builds under them. */
export const BRANCHES_SHOWN = 25;
export const RECENT_BUILDS = 10;

/**
 * The repo overview (issue 21): `/repos` and `/repos/<name>`. Every read is by key or a bounded page
 * (branch_heads, migration 17), so the pages cost the same at any history; read rules as every page.
 */
export function repoRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get("/repos", async (request, reply) => {
    const entries = Object.values(ctx.config.repos).map((repo) => ({
      repo,
      head: ctx.service.branchHead(repo.name, repo.defaultBranch),
    }));
    reply.type("text/html; charset=utf-8");
    return renderRepoIndex(entries, ctx.auth.viewer(request));
  });

  app.get<{ Params: { repo: string }; Querystring: { before?: unknown } }>(
    "/repos/:repo",
    async (request, reply) => {
      const name = request.params.repo;
      const repo = Object.hasOwn(ctx.config.repos, name) ? ctx.config.repos[name] : undefined;
      if (!repo) {
        throw new SlashbuildError(
          "NOT_FOUND",
          `There is no repo ${name}; the repos are ${Object.keys(ctx.config.repos).join(", ")}.`,
        );
      }
      // Keyset pages by the build number branches are ordered by: the same cost on every page.
      const raw = request.query.before;
      const before = typeof raw === "string" && /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : undefined;
      const found = ctx.service.branchHeads(repo.name, BRANCHES_SHOWN + 1, before);
      const page = found.slice(0, BRANCHES_SHOWN);
      let branches: BranchHead[] = page;
      if (before === undefined) {
        // The default branch first, wherever its verdict puts it.
        const main =
          page.find((head) => head.branch === repo.defaultBranch) ??
          ctx.service.branchHead(repo.name, repo.defaultBranch);
        if (main) branches = [main, ...page.filter((head) => head.branch !== repo.defaultBranch)];
      }
      const last = page.at(-1);
      const self = `/repos/${encodeURIComponent(repo.name)}`;
      reply.type("text/html; charset=utf-8");
      return renderRepoPage({
        repo,
        branches,
        newerUrl: before === undefined ? null : self,
        olderUrl: found.length > BRANCHES_SHOWN && last ? `${self}?before=${last.recentId}` : null,
        recent: ctx.service.listBuilds({ repo: repo.name, limit: RECENT_BUILDS }),
        publicUrl: ctx.config.publicUrl,
        viewer: ctx.auth.viewer(request),
        now: ctx.clock(),
      });
    },
  );
}
