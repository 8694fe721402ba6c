import type { FastifyPluginAsync } from "fastify";
import type { RepoConfig } from "../config/config.js";
import { SlashbuildError } from "../core/errors.js";
import type { Clock, WebhookDeliveries } from "../core/ports.js";
import type { Admission } from "../core/triggers/admit-forge-event.js";
import type { ForgeEvent } from "../core/triggers/trigger.js";
import type { ConfiguredForge } from "./configured-forges.js";
import { decodeWebhook } from "./decode-webhook.js";
import { deliveryId } from "./delivery-id.js";

/**
 * `POST /hooks/<host>` (`/hooks/github`, `/hooks/gitea` for Gitea and Forgejo, `/hooks/gitlab`):
 * one webhook receiver per configured host. Translation only: the body is kept as raw bytes so
 * the signature is checked on exactly what the host signed (decode-webhook.ts); the admission
 * decides what to build. A delivery whose signature is missing or wrong is a
 * WEBHOOK_SIGNATURE_INVALID (401), logged with the host and delivery id, never with what it presented.
 */

function webhookPath(name: string): string {
  return `/hooks/${name}`;
}

/** GitHub caps payloads at 25 MB; a push of 2048 commits with file lists can come close. */
const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

export interface WebhookRouteOptions {
  readonly forge: ConfiguredForge;
  readonly repos: readonly RepoConfig[];
  readonly admit: (
    repo: RepoConfig,
    event: Extract<ForgeEvent, { kind: "push" | "pull_request" }>,
  ) => Promise<Admission>;
  /** Delivery ids already received: a redelivery of an event builds nothing again. */
  readonly deliveries: WebhookDeliveries;
  readonly clock: Clock;
}

export const webhookRoute: FastifyPluginAsync<WebhookRouteOptions> = async (app, options) => {
  // Scoped to this plugin: every body arrives as a Buffer, whatever its content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );
  const { forge } = options;
  const kind = forge.host.name;
  app.post(webhookPath(kind), { bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const header = (name: string): string | undefined => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const decoded = decodeWebhook(forge, options.repos, header, body, header("content-type") ?? "");
    const delivery = deliveryId(forge.host.webhook, header);
    switch (decoded.kind) {
      case "unauthenticated":
        request.log.warn({ forge: kind, delivery }, "webhook refused: missing or wrong signature");
        throw new SlashbuildError(
          "WEBHOOK_SIGNATURE_INVALID",
          `Missing or wrong webhook signature: give the webhook in ${forge.host.displayNames[0]} the secret that slashbuild's config has as forges.${kind}.webhook_secret (or as the repo's own webhook_secret).`,
        );
      case "ping":
        return reply.code(200).send({ ok: true });
      case "ignored":
        request.log.info({ forge: kind, delivery, why: decoded.why }, "webhook ignored");
        return reply.code(202).send({ builds: [], ignored: [decoded.why] });
      case "unknown_repo":
        request.log.info(
          { forge: kind, delivery, repo: decoded.fullName },
          "webhook for a repository that is not configured: nothing built",
        );
        return reply.code(202).send({ builds: [], ignored: [`${decoded.fullName} is not configured`] });
      case "event": {
        // Only now, with the signature verified: an unsigned request can never use up an id.
        if (delivery !== null && !options.deliveries.claim(kind, delivery, options.clock())) {
          request.log.info({ forge: kind, delivery }, "webhook redelivered: already received, nothing built");
          return reply.code(200).send({
            builds: [],
            ignored: [],
            duplicate: true,
            message: `Delivery ${delivery} was already received: nothing was built again. To build again, push or use /build.`,
          });
        }
        const builds: number[] = [];
        const ignored: string[] = [];
        try {
          for (const repo of decoded.repos) {
            const admission = await options.admit(repo, decoded.event);
            if (admission.outcome === "built") {
              builds.push(admission.build.id);
              request.log.info(
                {
                  forge: kind,
                  delivery,
                  repo: repo.name,
                  buildId: admission.build.id,
                  superseded: admission.superseded,
                },
                "build started by webhook",
              );
            } else {
              ignored.push(admission.why);
              request.log.info(
                { forge: kind, delivery, repo: repo.name, why: admission.why },
                "webhook ignored",
              );
            }
          }
        } catch (error) {
          // Not handled after all: the host's retry (or a Redeliver) must be handled afresh.
          if (delivery !== null && builds.length === 0) options.deliveries.release(kind, delivery);
          throw error;
        }
        return reply.code(202).send({ builds, ignored });
      }
    }
  });
};
