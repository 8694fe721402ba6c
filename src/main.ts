import { once } from "node:events";
import type { Writable } from "node:stream";
import { createApp } from "./app.js";
import type { Config } from "./config/config.js";

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
  const app = await createApp(config, { out: options.out ?? process.stdout });
  await app.start();
  const address = await app.server.listen({ host: config.listen.host, port: config.listen.port });
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
