import type { FastifyInstance } from "fastify";
import { isFinal } from "../core/build.js";
import { renderBuildListPage } from "./build-list-page.js";
import { type BuildPageView, renderBuildPage } from "./build-page.js";
import { commitView } from "./commit-view.js";
import { deployedTo } from "./deployed-to.js";
import { PAGE_SIZE, parseListQuery } from "./list-query.js";
import type { Cursor } from "./log/live-log-stream.js";
import { hasLineTimes } from "./log/log-stream-source.js";
import type { LogWindow } from "./log/log-window.js";
import { stepIsOpen } from "./step-views.js";
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
    // A failed build opens on its first error line: found once per build (cached), then shown
    // from its byte offset, so a view costs a window whatever the log's length.
    const failed = build.steps.some((s) => s.status === "failed" || s.status === "timed_out");
    const opening = failed && isFinal(build.status) ? await ctx.firstErrors.find(build) : null;
    const windows = new Map<number, LogWindow>();
    let live: Cursor | null = null;
    for (const step of build.steps) {
      const done = step.status !== "pending" && step.status !== "running";
      // Folded steps (passed, not started) get no window: the page loads one if they are opened.
      if (stepIsOpen(step) && (await ctx.logs.size(build, step.index)) !== null) {
        windows.set(
          step.index,
          opening?.step === step.index + 1
            ? await ctx.windows.around(build, step.index, opening.offset, opening.line)
            : // A running step shows whole lines only; the live stream continues from exactly there.
              await ctx.windows.before(build, step.index, undefined, !done),
        );
      }
      if (!done && live === null) live = { step: step.index + 1, offset: windows.get(step.index)?.end ?? 0 };
    }
    if (!isFinal(build.status) && live === null) live = { step: build.steps.length + 1, offset: 0 };
    const artifacts = isFinal(build.status) ? await ctx.artifacts?.list(build) : null;
    const view: BuildPageView = {
      build,
      windows,
      viewer: ctx.auth.viewer(request),
      now: ctx.clock(),
      live,
      commit: await commitView(ctx, build),
      opening,
      timed: hasLineTimes(ctx.logs, build),
      deployedTo: deployedTo(build, ctx.deploys),
      artifacts,
    };
    reply.type("text/html; charset=utf-8");
    return renderBuildPage(view);
  });
}
