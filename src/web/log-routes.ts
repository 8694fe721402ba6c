import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import { SlashbuildError } from "../core/errors.js";
import { maskText } from "../core/mask-secrets.js";
import { describeBuild } from "./build-page.js";
import { NOT_STORED } from "./cache-control.js";
import { commitView } from "./commit-view.js";
import { parseCursor, streamLiveLog } from "./log/live-log-stream.js";
import type { LogWindow } from "./log/log-window.js";
import { windowLines } from "./log/window-lines.js";
import { logSearchRoute } from "./log-search-route.js";
import { buildFromParam, stepFromParam, type WebContext } from "./web-context.js";

type StepParams = { Params: { id: string; step: string }; Querystring: Record<string, string | undefined> };

function offsetParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new SlashbuildError("NOT_FOUND", `${name} must be a number.`);
  return Number(value);
}

/** A log window as the page's script consumes it (1-based step, server-rendered line HTML). */
function windowJson(window: LogWindow) {
  return {
    step: window.step + 1,
    start: window.start,
    end: window.end,
    line: window.firstLine,
    partial: window.partial,
    size: window.size,
    ...windowLines(window),
  };
}

/** Writes with backpressure: a slow viewer makes the stream wait instead of buffering in memory. */
function writer(raw: ServerResponse, signal: AbortSignal, secrets: readonly string[]) {
  return async (text: string): Promise<void> => {
    if (signal.aborted || raw.destroyed) return;
    if (raw.write(maskText(text, secrets))) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        raw.off("drain", done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      raw.once("drain", done);
      signal.addEventListener("abort", done, { once: true });
    });
  };
}

/** Live log (SSE), log windows, raw and download, "jump to first error", and search. */
export function logRoutes(app: FastifyInstance, ctx: WebContext): void {
  const streams = new Set<AbortController>();
  // Open event streams would hold a graceful stop forever: end them first.
  app.addHook("preClose", async () => {
    for (const stream of streams) stream.abort();
  });

  app.get<{ Params: { id: string }; Querystring: { from?: string } }>(
    "/builds/:id/events",
    async (request, reply) => {
      const build = buildFromParam(ctx, request.params.id);
      const header = request.headers["last-event-id"];
      // A reconnecting EventSource sends the id of the last event it got: resume exactly after it.
      const from = parseCursor(typeof header === "string" ? header : undefined) ??
        parseCursor(request.query.from) ?? { step: 1, offset: 0 };
      const viewer = ctx.auth.viewer(request);
      const abort = new AbortController();
      streams.add(abort);
      reply.hijack();
      const raw = reply.raw;
      raw.on("close", () => abort.abort());
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": NOT_STORED,
        connection: "keep-alive",
        "x-accel-buffering": "no",
        "x-content-type-options": "nosniff",
      });
      try {
        await streamLiveLog({
          buildId: build.id,
          from,
          getBuild: () => ctx.service.findBuild(build.id),
          source: ctx.logs,
          windows: ctx.windows,
          onBuildChange: (listener) =>
            ctx.service.subscribe((changed) => {
              if (changed.id === build.id) listener();
            }),
          describeBuild: async (current) =>
            describeBuild(current, viewer, ctx.clock(), await commitView(ctx, current)),
          send: writer(raw, abort.signal, ctx.secrets),
          signal: abort.signal,
        });
      } catch (error) {
        request.log.warn({ err: error, buildId: build.id }, "live log stream failed");
      } finally {
        streams.delete(abort);
        raw.end();
      }
    },
  );

  app.get<StepParams>("/builds/:id/steps/:step/raw", async (request, reply) => {
    const build = buildFromParam(ctx, request.params.id);
    const index = stepFromParam(build, request.params.step);
    const size = await ctx.logs.size(build, index);
    if (size === null) {
      throw new SlashbuildError("NOT_FOUND", `Step ${index + 1} of build #${build.id} has no output.`);
    }
    reply
      .type("text/plain; charset=utf-8")
      .header("content-length", size)
      .header("content-security-policy", "default-src 'none'; sandbox");
    if (request.query.download !== undefined) {
      reply.header("content-disposition", `attachment; filename="build-${build.id}-step-${index + 1}.log"`);
    }
    // What exists now, streamed from disk: a running step's raw view is a snapshot.
    return reply.send(ctx.logs.readRange(build, index, 0, size));
  });

  app.get<StepParams>("/builds/:id/steps/:step/lines", async (request) => {
    const build = buildFromParam(ctx, request.params.id);
    const index = stepFromParam(build, request.params.step);
    const { before, after, line } = request.query;
    if (line !== undefined) {
      const window = await ctx.windows.atLine(build, index, offsetParam(line, "line") ?? 1);
      if (!window) throw new SlashbuildError("NOT_FOUND", `Step ${index + 1} has no line ${line}.`);
      return windowJson(window);
    }
    if (after !== undefined) {
      return windowJson(await ctx.windows.after(build, index, offsetParam(after, "after") ?? 0));
    }
    return windowJson(await ctx.windows.before(build, index, offsetParam(before, "before")));
  });

  app.get<{ Params: { id: string } }>("/builds/:id/first-error", async (request) => {
    const build = buildFromParam(ctx, request.params.id);
    const found = await ctx.firstErrors.find(build);
    return found ? { step: found.step, line: found.line } : { step: null, line: null };
  });

  logSearchRoute(app, ctx);
}
