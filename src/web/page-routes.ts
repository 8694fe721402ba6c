import type { FastifyInstance } from "fastify";
import { isFinal } from "../core/build.js";
import { renderBuildListPage } from "./build-list-page.js";
import { type BuildPageView, renderBuildPage } from "./build-page.js";
import { PAGE_SIZE, parseListQuery } from "./list-query.js";
import type { Cursor } from "./log/live-log-stream.js";
import type { LogWindow } from "./log/log-window.js";
import { buildFromParam, type WebContext } from "./web-context.js";

/** The build list and the build page (the build's JSON, which `slashbuild try` follows, is in api/api-routes.ts). */
export function pageRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get("/", async (request, reply) => {
    const query = parseListQuery(request.query as Record<string, unknown>);
    // One more than a page tells whether an older page exists without counting.
    const found = ctx.service.listBuilds({ ...query.filter, limit: PAGE_SIZE + 1 });
    reply.type("text/html; charset=utf-8");
    return renderBuildListPage({
      builds: found.slice(0, PAGE_SIZE),
      more: found.length > PAGE_SIZE,
      query,
      repos: Object.keys(ctx.config.repos),
      viewer: ctx.auth.viewer(request),
      now: ctx.clock(),
    });
  });

  app.get<{ Params: { id: string } }>("/builds/:id", async (request, reply) => {
    const build = buildFromParam(ctx, request.params.id);
    const windows = new Map<number, LogWindow>();
    let live: Cursor | null = null;
    for (const step of build.steps) {
      const done = step.status !== "pending" && step.status !== "running";
      if (step.status !== "pending" && (await ctx.logs.size(build, step.index)) !== null) {
        // A running step shows whole lines only; the live stream continues from exactly there.
        windows.set(step.index, await ctx.windows.before(build, step.index, undefined, !done));
      }
      if (!done && live === null) live = { step: step.index + 1, offset: windows.get(step.index)?.end ?? 0 };
    }
    if (!isFinal(build.status) && live === null) live = { step: build.steps.length + 1, offset: 0 };
    const view: BuildPageView = { build, windows, viewer: ctx.auth.viewer(request), now: ctx.clock(), live };
    reply.type("text/html; charset=utf-8");
    return renderBuildPage(view);
  });
}
