import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestRepo } from "../../test/helpers/buildbot-git-repo.js";
import { startWebhookSink } from "../slashbuild-fixture.js";
import { ackRequest, serveConfig } from "./ack-real.js";
import { autocannon } from "./autocannon.js";
import { seedDataDir } from "./seed-history.js";
import { ServeProcess, slashForm } from "./serve-process.js";

/**
 * Profiling aid, not a benchmark: `npx tsx bench/real/profile-ack.ts [--seeded] [--no-profile] [SECONDS]` runs
 * the real serve process under `node --cpu-prof` with the acknowledgement load and prints the
 * functions with the most self time (the .cpuprofile stays in the printed dir for Chrome DevTools).
 */

const seeded = process.argv.includes("--seeded");
/** `--no-profile`: only the rates and CPU per request, without the profiler's own overhead. */
const profiling = !process.argv.includes("--no-profile");
const seconds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 15);
const profDir = mkdtempSync(path.join(tmpdir(), "slashbuild-prof-"));
const repo = createTestRepo();
const sink = await startWebhookSink();
const dataDir = seeded
  ? seedDataDir({
      finished: 100_000,
      queued: 10_000,
      repos: ["hello", "lib", "web", "docs"],
      queuedRepo: "hello",
    })
  : undefined;
const serve = await ServeProcess.start({
  config: serveConfig(repo.dir, sink.url),
  nodeFlags: profiling ? ["--cpu-prof", "--cpu-prof-dir", profDir] : [],
  ...(dataDir ? { dataDir } : {}),
});
await fetch(`${serve.url}/mattermost/command`, {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: slashForm("hello"),
});
for (let round = 1; round <= 3; round++) {
  const cpu = serve.cpuMs();
  const r = await autocannon({ ...ackRequest(serve.url), seconds });
  // CPU per request is what the load on a shared machine does not change much (wall figures do).
  const perRequest = ((serve.cpuMs() - cpu) * 1000) / r.requests;
  console.log(
    `round ${round}: ${r.perSecond.toFixed(1)} req/s, p99 ${r.p99Ms} ms, errors ${r.errors}, server CPU ${perRequest.toFixed(0)} µs/request`,
  );
}
await serve.stop();
await sink.close();
repo.close();
if (!profiling) process.exit(0);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}
const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
if (!file) throw new Error("no profile written");
const profile = JSON.parse(readFileSync(path.join(profDir, file), "utf8")) as { nodes: Node[] };
const total = profile.nodes.reduce((n, node) => n + node.hitCount, 0);
const byFunction = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || "(anonymous)"} ${url.replace(/^.*\/(dist|node_modules)\//, "$1/")}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + node.hitCount);
}
console.log(`profile: ${path.join(profDir, file)}`);
for (const [key, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}
