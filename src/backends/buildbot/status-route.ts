import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { SlashbuildError } from "../../core/errors.js";

/**
 * `POST /buildbot/status`: where Buildbot's HttpStatusPush reports build starts and finishes.
 * Only translation happens here: check the shared secret, hand the JSON to the backend. A post
 * without the secret is answered 401 and changes nothing; anyone could otherwise finish builds.
 */

const BUILDBOT_STATUS_PATH = "/buildbot/status";
/** A build dict with all properties is a few KiB; this leaves room for chatty masters. */
const STATUS_BODY_LIMIT = 1024 * 1024;

export interface BuildbotStatusRouteOptions {
  readonly secret: string;
  /** Usually `backend.handleStatusPush`; resolves whether the post concerned a tracked build. */
  readonly onStatus: (payload: unknown) => Promise<boolean>;
}

export const buildbotStatusRoute: FastifyPluginAsync<BuildbotStatusRouteOptions> = async (app, options) => {
  app.post(BUILDBOT_STATUS_PATH, { bodyLimit: STATUS_BODY_LIMIT }, async (request, reply) => {
    if (!secretMatches(presentedSecret(request.headers), options.secret)) {
      request.log.warn("buildbot status push refused: missing or wrong secret");
      // Answered by http/error-handler.ts, like every other SlashbuildError on HTTP.
      throw new SlashbuildError(
        "AUTH_TOKEN_INVALID",
        "Missing or wrong status secret: HttpStatusPush must send buildbot.status_secret (see master.cfg).",
      );
    }
    try {
      const matched = await options.onStatus(request.body);
      return reply.code(200).send({ matched });
    } catch (error) {
      // Accepted anyway: reconcile will read the same state over REST. A 5xx would only fill
      // Buildbot's log, since HttpStatusPush never retries.
      request.log.error({ err: error }, "buildbot status push could not be applied; reconcile will catch up");
      return reply.code(200).send({ matched: false });
    }
  });
};

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The secret as HttpStatusPush can send it: the Basic auth password (`auth=(user, secret)`, what the
 * generated master.cfg uses, since Buildbot keeps `auth` out of its logs), a Bearer token, or an
 * `X-Slashbuild-Secret` header (`headers={...}` on masters configured by hand).
 */
export function presentedSecret(headers: Headers): string | null {
  const custom = headers["x-slashbuild-secret"];
  if (typeof custom === "string" && custom.length > 0) return custom;
  const authorization = headers.authorization;
  if (typeof authorization !== "string") return null;
  const [scheme, value] = authorization.trim().split(/\s+/, 2);
  if (!scheme || !value) return null;
  if (scheme.toLowerCase() === "bearer") return value;
  if (scheme.toLowerCase() !== "basic") return null;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? null : decoded.slice(colon + 1);
}

/** Constant time: SHA-256 digests have equal lengths, so neither length nor prefix leaks. */
export function secretMatches(candidate: string | null, secret: string): boolean {
  if (!candidate || secret.length === 0) return false;
  return timingSafeEqual(sha256(candidate), sha256(secret));
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
