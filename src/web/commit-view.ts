import type { Build } from "../core/build.js";
import { commitFromTrigger } from "../core/commit-summary.js";
import type { CommitView } from "./trigger-view.js";
import type { WebContext } from "./web-context.js";

/**
 * The commit a build built, as its page shows it: the title and author from the push that started
 * it when that is the commit, else from the repo's mirror (ctx.commits, cached: commits never
 * change); the link from the repo's Git host. Null parts are simply not shown.
 */
export async function commitView(ctx: WebContext, build: Build): Promise<CommitView> {
  if (build.sha === null) return { sha: null, title: null, author: null, url: null };
  const summary = commitFromTrigger(build) ?? (await ctx.commits(build).catch(() => null));
  return {
    sha: build.sha,
    title: summary?.title ?? null,
    author: summary?.author ?? null,
    url: ctx.commitUrl(build.repo, build.sha),
  };
}
