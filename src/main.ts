import { once } from "node:events";
import type { Writable } from "node:stream";
import { createApp } from "./app.js";
import { closeInheritedDescriptors } from "./close-inherited-descriptors.js";
import type { Config } from "./config/config.js";

export interface RunOptions {
  /** Where console-mode chat messages go (no webhook configured). */
  readonly out?: Writable;
}

/**
 * Process entry for `slashbuild serve`: the only code that listens, handles signals and decides
 * when the process is done. Resolves after a graceful shutdown (SIGTERM or SIGINT).
 */
export async function runServer(config: Config, options: RunOptions = {}): Promise<void> {
  // First: builds must not be handed what slashbuild's parent left open.
  const closed = closeInheritedDescriptors();
  const app = await createApp(config, { out: options.out ?? process.stdout });
  if (closed.length > 0)
    app.server.log.info({ descriptors: closed }, "closed descriptors inherited from slashbuild's parent");
  await app.start();
  const address = await app.server.listen({ host: config.listen.host, port: config.listen.port });
  app.server.log.info(`slashbuild listening on ${address}; build pages at ${config.publicUrl}`);

  const signal = await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT")]);
  app.server.log.info({ signal }, "shutting down: finishing deliveries, stopping builds");
  // A second signal while shutting down means "now".
  const force = () => process.exit(1);
  process.once("SIGTERM", force);
  process.once("SIGINT", force);
  await app.close();
  process.off("SIGTERM", force);
  process.off("SIGINT", force);
}
