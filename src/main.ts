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
 * when the process is done. Resolves after a graceful shutdown (SIGTERM or SIGINT, or the process
 * that started it exiting).
 */
export async function runServer(config: Config, options: RunOptions = {}): Promise<void> {
  // Taken first: a parent that exits while the service starts is noticed too.
  const parent = process.ppid;
  // Builds must not be handed what slashbuild's parent left open.
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

  const watch = watchParent(parent);
  const [signal] = await Promise.race([once(process, "SIGTERM"), once(process, "SIGINT"), watch.gone]);
  watch.stop();
  if (signal === PARENT_GONE) {
    app.server.log.info(
      { parent },
      `the process that started slashbuild (pid ${parent}) is gone: shutting down`,
    );
  }
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

/** How often `serve` checks that the process that started it is still its parent. */
const PARENT_CHECK_MS = 500;
const PARENT_GONE = "parent-gone";

/**
 * Resolves when this process's parent changes, i.e. the process that started it has exited and it
 * was handed to init (or a subreaper). `npm start` and `npx slashbuild serve` do not pass a signal
 * on: `kill <pid of npm>` ends npm alone, and this is how slashbuild learns it should stop too.
 * A parent that is init already (systemd, `setsid -f`) never changes.
 */
function watchParent(parent: number): { gone: Promise<[typeof PARENT_GONE]>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<[typeof PARENT_GONE]>((resolve) => {
    timer = setInterval(() => {
      if (process.ppid !== parent) resolve([PARENT_GONE]);
    }, PARENT_CHECK_MS);
    // The server keeps the process alive; this check must not.
    timer.unref();
  });
  return { gone, stop: () => clearInterval(timer) };
}
