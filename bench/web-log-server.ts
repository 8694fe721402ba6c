import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import path from "node:path";
import { startSlashbuild } from "./slashbuild-fixture.js";

/**
 * The server side of the web-log benchmark, in its own process so its memory is measured alone:
 * seeds one finished build whose first step has a log of SIZE_MB (ANSI colours, numbered lines),
 * listens on loopback, prints `READY <url> <buildId> <bytes>`, then its RSS every 20 ms.
 */
const sizeMb = Number(process.env.SIZE_MB ?? 50);
const bench = await startSlashbuild({
  public_url: "http://127.0.0.1:8080",
  // The viewers load the pages anonymously: the default (`signed_in`) sends them to the sign-in page.
  web: { read: "public" },
  repos: { app: { url: "/nonexistent/app.git", commands: ["make test", "make deploy"] } },
});
const { store } = bench.app;
const build = store.create({
  repo: "app",
  branch: "main",
  requestedRevision: null,
  requester: "alice",
  requesterId: "u1",
  channelId: "c1",
  channelName: "ci",
  backend: "local",
  rebuildOf: null,
  createdAt: Date.now() - 60_000,
});
store.setSteps(build.id, ["make test", "make deploy"]);
store.update(build.id, {
  status: "failed",
  sha: "a".repeat(40),
  startedAt: Date.now() - 59_000,
  finishedAt: Date.now(),
});
store.updateStep(build.id, 0, {
  status: "failed",
  exitCode: 2,
  startedAt: Date.now() - 59_000,
  finishedAt: Date.now(),
});
store.updateStep(build.id, 1, { status: "skipped" });

const file = bench.app.local.logs.pathFor(build.id, 0);
mkdirSync(path.dirname(file), { recursive: true });
const fd = openSync(file, "w");
let bytes = 0;
let n = 0;
while (bytes < sizeMb * 1024 * 1024) {
  let chunk = "";
  for (let i = 0; i < 1000; i++) {
    n++;
    chunk +=
      n % 97 === 0
        ? `\x1b[33mwarning\x1b[0m: src/module-${n}.ts:${n % 300}: something worth a look\n`
        : `  \x1b[32m✓\x1b[0m test ${n} passes (${n % 50} ms)\n`;
  }
  bytes += writeSync(fd, chunk);
}
writeSync(fd, "\x1b[31merror\x1b[0m: 1 test failed\n");
closeSync(fd);

const url = await bench.app.server.listen({ port: 0, host: "127.0.0.1" });
const { statSync } = await import("node:fs");
process.stdout.write(`READY ${url} ${build.id} ${statSync(file).size}\n`);
setInterval(() => process.stdout.write(`RSS ${process.memoryUsage().rss}\n`), 20).unref();
process.on("SIGTERM", () => {
  void bench.close().then(() => process.exit(0));
});
setInterval(() => {}, 1 << 30);
