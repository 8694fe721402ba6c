import type { FastifyPluginAsync } from "fastify";
import type { Config } from "../config/config.js";
import type { Readiness } from "../health/readiness.js";
import type { Metrics } from "./metrics.js";
import { checkScrapeAccess } from "./metrics-access.js";

export interface HealthRoutesOptions {
  readonly metrics: Metrics;
  readonly access: Config["metrics"];
  readonly readiness: () => Promise<Readiness>;
}

/**
 * /healthz (the process answers), /readyz (it can do its job; 503 and the failing checks named
 * when not) and /metrics (Prometheus text, behind metrics.access). /healthz and /readyz say
 * nothing secret, so load balancers and orchestrators may call them from anywhere.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  app.get("/healthz", async () => ({ ok: true }));

  app.get("/readyz", async (_request, reply) => {
    const readiness = await options.readiness();
    return reply.code(readiness.ready ? 200 : 503).send(readiness);
  });

  app.get("/metrics", async (request, reply) => {
    checkScrapeAccess(options.access, request);
    const registry = options.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};
