import type { FastifyInstance } from "fastify";
import { SlashbuildError } from "../core/errors.js";
import { searchLog } from "./log/search-log.js";
import { MAX_QUERY } from "./log-tools.js";
import { buildFromParam, type WebContext } from "./web-context.js";

/** Matches per answer, and log bytes read per answer (then the answer says where to go on). */
const MAX_MATCHES = 100;
const MAX_BYTES = 16 * 1024 * 1024;

type SearchRequest = {
  Params: { id: string };
  Querystring: Record<string, string | string[] | undefined>;
};

function invalid(message: string): SlashbuildError {
  return new SlashbuildError("REQUEST_INVALID", message);
}

function numberParam(value: string | string[] | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !/^\d{1,15}$/.test(value)) {
    throw invalid(`${name} must be a whole number (from the "next" of the previous answer).`);
  }
  return Number(value);
}

/** What to look for: 1 to MAX_QUERY characters of one line, found as written, in any case. */
function patternOf(value: string | string[] | undefined): RegExp {
  if (typeof value !== "string" || value.length === 0) {
    throw invalid("Say what to search for: ?q=TEXT (one line, at most 200 characters).");
  }
  if (value.length > MAX_QUERY || /[\n\r]/.test(value)) {
    throw invalid(`Search for one line of at most ${MAX_QUERY} characters; a log is searched line by line.`);
  }
  return new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "giu");
}

/**
 * `GET /builds/N/search?q=TEXT`: finds TEXT in the whole log of every step, not only the lines a
 * page has loaded. The logs are read from where they are kept, streamed, and at most MAX_BYTES per
 * answer: a 50 MB log takes a few answers (`next` says where to go on: `step`, `from`, `line`), and
 * no answer costs more than one. Under the same read rules as the page; the answer is masked like
 * every other (web-routes.ts), and the logs searched are masked already.
 */
export function logSearchRoute(app: FastifyInstance, ctx: WebContext): void {
  app.get<SearchRequest>("/builds/:id/search", async (request) => {
    const build = buildFromParam(ctx, request.params.id);
    const query = request.query;
    const pattern = patternOf(query.q);
    const step = numberParam(query.step, "step", 1);
    if (step < 1 || step > Math.max(1, build.steps.length)) {
      throw invalid(
        `Build #${build.id} has steps 1 to ${build.steps.length}; step=${step} is not one of them.`,
      );
    }
    const from = {
      step: step - 1,
      offset: numberParam(query.from, "from", 0),
      line: numberParam(query.line, "line", 1),
    };
    const result = await searchLog(ctx.logs, build, pattern, from, {
      matches: MAX_MATCHES,
      bytes: MAX_BYTES,
    });
    return {
      query: query.q,
      matches: result.matches,
      next: result.next
        ? { step: result.next.step + 1, from: result.next.offset, line: result.next.line }
        : null,
    };
  });
}
