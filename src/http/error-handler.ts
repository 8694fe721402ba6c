import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { isSlashbuildError } from "../core/errors.js";

/** The code of an answer to an error slashbuild did not expect (docs/errors.md). */
export const INTERNAL_ERROR = "INTERNAL";

/**
 * The one place errors become HTTP responses. SlashbuildErrors carry their status and an
 * actionable message; Fastify's own errors (body too large, bad content type) keep their status;
 * anything else is a 500 whose details, its code included, stay in the log.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (isSlashbuildError(error)) {
    void reply.status(error.httpStatus).send({ error: error.code, message: error.message });
    return;
  }
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) request.log.error({ err: error }, "request failed");
  void reply.status(status).send({
    error: status === 500 ? INTERNAL_ERROR : (error.code ?? INTERNAL_ERROR),
    message: status === 500 ? "slashbuild hit an internal error; the log has the details." : error.message,
  });
}
