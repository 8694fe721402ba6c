import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ApiToken } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import { WEB_CHANNEL } from "../../core/chat-command.js";
import { SlashbuildError } from "../../core/errors.js";
import { anonymousBuild } from "../read-gate.js";
import { buildFromParam, type WebContext } from "../web-context.js";
import { apiClientOf } from "./api-auth.js";
import { apiListUrl, parseApiListQuery } from "./api-query.js";

type Params = { Params: { id: string } };

/**
 * The HTTP API for scripts (docs/api.md, described by docs/openapi.yaml). Reads follow the pages'
 * read rules (read-gate.ts), with an API token counting as signed in; the Mattermost ids stay out
 * of anonymous answers as on the pages. Rebuild and stop take a token that `can` them, and run
 * through the same BuildService calls as the web's buttons (action-routes.ts): the same permission
 * checks, the token acting under its name, and a rebuild of a commit already being rebuilt answers
 * with that build.
 */
export function apiRoutes(app: FastifyInstance, ctx: WebContext): void {
  const shown = (request: FastifyRequest) => {
    const full = apiClientOf(request) !== null || ctx.auth.viewer(request).user !== null;
    return (build: Build) => (full ? build : anonymousBuild(build));
  };

  app.get("/api/builds", async (request) => {
    const query = parseApiListQuery(request.query);
    // One more than a page tells whether another page exists without counting.
    const found = ctx.service.listBuilds({ ...query.list.filter, limit: query.limit + 1 });
    const page = found.slice(0, query.limit);
    const last = page.at(-1);
    return {
      builds: page.map(shown(request)),
      next: found.length > query.limit && last ? apiListUrl(query, last.id) : null,
    };
  });

  app.get<Params>("/api/builds/:id", async (request) => {
    return shown(request)(buildFromParam(ctx, request.params.id));
  });

  app.post<Params>("/api/builds/:id/rebuild", async (request, reply) => {
    const token = allowedToken(request, "rebuild");
    const original = buildFromParam(ctx, request.params.id);
    const { build, duplicate } = await ctx.service
      .rebuild(original.id, userOf(token), WEB_CHANNEL)
      .catch((error: unknown) => {
        if (!(error instanceof SlashbuildError) || error.code !== "CHANNEL_NOT_ALLOWED") throw error;
        throw new SlashbuildError(
          error.code,
          `${error.message} API rebuilds count as the channel "web", like the web's: add web to the allowed channels to permit them.`,
        );
      });
    request.log.info(
      { apiToken: token.name, buildId: original.id, rebuild: build.id, duplicate },
      "rebuild requested over the API",
    );
    return reply.status(duplicate ? 200 : 201).send({ build, duplicate });
  });

  app.post<Params>("/api/builds/:id/stop", async (request, reply) => {
    const token = allowedToken(request, "stop");
    const build = buildFromParam(ctx, request.params.id);
    const now = await ctx.service.stopBuild(build.id, userOf(token));
    request.log.info({ apiToken: token.name, buildId: build.id }, "build stopped over the API");
    // Accepted: the build may be cancelled already, or still running until its backend has ended it.
    return reply.status(202).send({ build: now });
  });
}

/**
 * Who acts: the token's name, with an id of its own so "may stop their own builds" means the builds
 * this token started, never a Mattermost or web user's of the same name.
 */
function userOf(token: ApiToken) {
  return { id: `api:${token.name}`, name: token.name };
}

/** Actions take a token (a browser's cookie never reaches them, so no CSRF is possible) that may do them. */
function allowedToken(request: FastifyRequest, action: "rebuild" | "stop"): ApiToken {
  const token = apiClientOf(request);
  if (token === null) {
    throw new SlashbuildError(
      "API_TOKEN_INVALID",
      `POST /api/builds/N/${action} takes an API token (Authorization: Bearer); in a browser, use the build page's button.`,
    );
  }
  if (!token.can.includes(action)) {
    throw new SlashbuildError(
      "NOT_PERMITTED",
      `The API token ${token.name} may not ${action}: an admin adds ${action} to api.tokens.${token.name}.can.`,
    );
  }
  return token;
}
