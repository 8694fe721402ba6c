import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";

/**
 * Browsers open spare connections ahead of need ("preconnect") and may never send a request on
 * them. Node counts such a socket as busy, not idle, so a graceful stop would wait for its header
 * timeout (a minute or two) after the last browser looked at a page. On close, drop the sockets
 * that never carried a request; the rest are Fastify's business (idle ones are closed, busy ones
 * finish).
 */
export function closePreconnectsOnStop(app: FastifyInstance): void {
  const unused = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    unused.add(socket);
    socket.once("close", () => unused.delete(socket));
  });
  app.server.on("request", (request: { socket: Socket }) => {
    unused.delete(request.socket);
  });
  app.addHook("preClose", async () => {
    for (const socket of unused) socket.destroy();
  });
}
