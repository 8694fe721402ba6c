import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import type { BuildbotBackend } from "../backends/buildbot/buildbot-backend.js";
import { buildbotStatusRoute } from "../backends/buildbot/status-route.js";
import type { CommandHandler } from "../chat/chat-platform.js";
import type { OpenChat } from "../chat/open-chats.js";
import type { Config } from "../config/config.js";
import type { BuildService } from "../core/build-service.js";
import type { Clock } from "../core/ports.js";
import { admitForgeEvent } from "../core/triggers/admit-forge-event.js";
import type { ConfiguredForges } from "../forges/configured-forges.js";
import { webhookRoute } from "../forges/webhook-route.js";
import type { Readiness } from "../health/readiness.js";
import { errorHandler } from "../http/error-handler.js";
import { healthRoutes } from "../metrics/health-routes.js";
import type { Metrics } from "../metrics/metrics.js";
import { SqliteWebSessions } from "../store/sqlite-web-sessions.js";
import { SqliteWebhookDeliveries } from "../store/sqlite-webhook-deliveries.js";
import type { LogStreamSource } from "../web/log/log-stream-source.js";
import { webRoutes } from "../web/web-routes.js";
import type { Storage } from "./open-storage.js";

/** Everything the routes answer with. */
export interface RouteParts {
  readonly service: BuildService;
  readonly storage: Storage;
  readonly chats: readonly OpenChat[];
  readonly handleCommand: CommandHandler;
  readonly forges: ConfiguredForges;
  readonly buildbot: BuildbotBackend | null;
  readonly logs: LogStreamSource;
  readonly metrics: Metrics;
  readonly readiness: () => Promise<Readiness>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly secrets: readonly string[];
}

/** The HTTP server with every route: health and metrics, each chat's receivers, the web UI, webhooks, Buildbot's pushes. */
export async function serveRoutes(config: Config, parts: RouteParts): Promise<FastifyInstance> {
  const { service, metrics, clock } = parts;
  // Typed as the default instance: with a pino Logger as loggerInstance, Fastify's generics would
  // otherwise leak pino's Logger type into every plugin signature.
  const server = Fastify({
    loggerInstance: parts.logger,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  // One line per request, at debug: at info the log would be mostly polling and health checks.
  server.addHook("onResponse", async (request, reply) => {
    request.log.debug({ req: request, status: reply.statusCode, ms: reply.elapsedTime }, "request");
  });
  server.setErrorHandler(errorHandler);
  // Slash acknowledgement latency: Mattermost gives up after 3 s.
  const commandPaths = new Set(
    parts.chats.flatMap(({ connection }) => connection.receivers?.commandPaths ?? []),
  );
  server.addHook("onResponse", async (request, reply) => {
    if (commandPaths.has(request.routeOptions.url ?? "")) metrics.slashAck.observe(reply.elapsedTime / 1000);
  });
  await server.register(healthRoutes, { metrics, access: config.metrics, readiness: parts.readiness });
  for (const { connection } of parts.chats) {
    if (connection.receivers) await server.register(connection.receivers.routes(parts.handleCommand));
  }
  await server.register(webRoutes, {
    service,
    config,
    clock,
    secrets: parts.secrets,
    sessions: new SqliteWebSessions(parts.storage.db),
    logs: parts.logs,
  });
  // Builds on push and pull request: one receiver per configured Git host.
  const deliveries = new SqliteWebhookDeliveries(parts.storage.db);
  for (const forge of parts.forges.values()) {
    await server.register(webhookRoute, {
      forge,
      repos: Object.values(config.repos),
      admit: (repo, event) => admitForgeEvent(service, repo, event),
      deliveries,
      clock,
    });
  }
  const { buildbot } = parts;
  if (buildbot && config.buildbot) {
    await server.register(buildbotStatusRoute, {
      secret: config.buildbot.statusSecret,
      onStatus: (payload) => buildbot.handleStatusPush(payload),
    });
  }
  return server;
}
