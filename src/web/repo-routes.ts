import type { FastifyInstance } from "fastify";
import { SlashbuildError } from "../core/errors.js";
import type { BranchHead } from "../core/ports.js";
import { renderRepoIndex, renderRepoPage } from "./repo-page.js";
import type { WebContext } from "./web-context.js";

/** Branches a repo page lists (those with the newest verdicts), and builds under them. */
export const BRANCHES_SHOWN = 50;
export const RECENT_BUILDS = 10;

/**
 * The repo overview (issue 21): `/repos` and `/repos/<name>`. Every read is by key or a bounded page
 * (branch_heads, migration 13), so the pages cost the same at any history; read rules as every page.
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

  app.get<{ Params: { repo: string } }>("/repos/:repo", async (request, reply) => {
    const name = request.params.repo;
    const repo = Object.hasOwn(ctx.config.repos, name) ? ctx.config.repos[name] : undefined;
    if (!repo) {
      throw new SlashbuildError(
        "NOT_FOUND",
        `There is no repo ${name}; the repos are ${Object.keys(ctx.config.repos).join(", ")}.`,
      );
    }
    const found = ctx.service.branchHeads(repo.name, BRANCHES_SHOWN + 1);
    let branches: BranchHead[] = found.slice(0, BRANCHES_SHOWN);
    const main =
      branches.find((head) => head.branch === repo.defaultBranch) ??
      ctx.service.branchHead(repo.name, repo.defaultBranch);
    if (main) branches = [main, ...branches.filter((head) => head.branch !== repo.defaultBranch)];
    reply.type("text/html; charset=utf-8");
    return renderRepoPage({
      repo,
      branches,
      moreBranches: found.length > BRANCHES_SHOWN,
      recent: ctx.service.listBuilds({ repo: repo.name, limit: RECENT_BUILDS }),
      publicUrl: ctx.config.publicUrl,
      viewer: ctx.auth.viewer(request),
      now: ctx.clock(),
    });
  });
}
