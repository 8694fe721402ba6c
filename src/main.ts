import { once } from "node:events";
import type { Writable } from "node:stream";
import { createApp } from "./app.js";
import { closeInheritedDescriptors } from "./close-inherited-descriptors.js";
import type { Config } from "./config/config.js";
import { SlashbuildError } from "./core/errors.js";

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
  let address: string;
  try {
    address = await app.server.listen({ host: config.listen.host, port: config.listen.port });
  } catch (error) {
    await app.close();
    throw listenFailed(config, error as NodeJS.ErrnoException);
  }
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

/** Why `listen` could not be taken, and which key sets it (issue 22: EADDRINUSE came with no hint). */
function listenFailed(config: Config, error: NodeJS.ErrnoException): SlashbuildError {
  const where = `${config.listen.host}:${config.listen.port}`;
  const reason =
    error.code === "EADDRINUSE"
      ? `${where} is in use (another slashbuild, or another service)`
      : error.code === "EACCES"
        ? `${where} needs privileges: ports below 1024 need root or CAP_NET_BIND_SERVICE; keep slashbuild on a higher port behind a proxy`
        : error.code === "EADDRNOTAVAIL"
          ? `no interface of this machine has the address ${config.listen.host}`
          : `${where}: ${error.message}`;
  return new SlashbuildError(
    "LISTEN_FAILED",
    `slashbuild cannot listen: ${reason}. Set listen in ${config.configFile ?? "the config"} to a free host:port ` +
      "(the bundled examples read it from SLASHBUILD_LISTEN, e.g. SLASHBUILD_LISTEN=127.0.0.1:8081), or stop what holds it.",
    { cause: error },
  );
}
