import type { FastifyInstance } from "fastify";
import type { BuildService } from "../core/build-service.js";
import { SlashbuildError } from "../core/errors.js";
import type { LogSource } from "../core/ports.js";
import { renderBuildListPage } from "./build-list-page.js";
import { renderBuildPage } from "./build-page.js";

export interface WebRoutesOptions {
  readonly service: BuildService;
  readonly logs: LogSource;
}

function buildId(raw: string): number {
  if (!/^\d{1,12}$/.test(raw))
    throw new SlashbuildError("NOT_FOUND", `There is no build ${raw}; build numbers are digits.`);
  return Number(raw);
}

/** Read-only pages and their JSON twins (the JSON feeds `slashbuild try`). */
export async function webRoutes(app: FastifyInstance, { service, logs }: WebRoutesOptions): Promise<void> {
  app.get("/", async (_request, reply) => {
    reply.type("text/html; charset=utf-8");
    return renderBuildListPage(service.store.list({ limit: 50 }));
  });

  app.get<{ Params: { id: string } }>("/builds/:id", async (request, reply) => {
    const build = service.getBuild(buildId(request.params.id));
    const texts = await Promise.all(
      build.steps.map(async (step) => ({ index: step.index, text: await logs.read(build, step.index) })),
    );
    reply.type("text/html; charset=utf-8");
    return renderBuildPage(build, texts);
  });

  app.get<{ Params: { id: string } }>("/api/builds/:id", async (request) =>
    service.getBuild(buildId(request.params.id)),
  );
}
