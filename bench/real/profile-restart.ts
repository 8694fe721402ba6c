import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestRepo } from "../../test/helpers/buildbot-git-repo.js";
import { startWebhookSink } from "../slashbuild-fixture.js";
import { serveConfig } from "./ack-real.js";
import { seedDataDir } from "./seed-history.js";
import { ServeProcess } from "./serve-process.js";

/**
 * Profiling aid, not a benchmark: `npx tsx bench/real/profile-restart.ts [--no-profile]` starts the
 * real serve process on a data dir with 100,000 builds of history and 10,000 queued, prints the
 * time from spawn to its first answered /healthz (three starts), and, profiled, the functions with
 * the most time until then.
 */

const profiling = !process.argv.includes("--no-profile");
const repo = createTestRepo();
const sink = await startWebhookSink();
const dataDir = seedDataDir({
  finished: 100_000,
  queued: 10_000,
  repos: ["hello", "lib", "web", "docs"],
  queuedRepo: "hello",
});
const profDir = mkdtempSync(path.join(tmpdir(), "slashbuild-prof-"));
try {
  for (let round = 1; round <= 3; round++) {
    const serve = await ServeProcess.start({
      config: serveConfig(repo.dir, sink.url),
      dataDir,
      nodeFlags: profiling && round === 3 ? ["--cpu-prof", "--cpu-prof-dir", profDir] : [],
    });
    const cpu = serve.cpuMs();
    console.log(`start ${round}: ready in ${serve.readyMs.toFixed(0)} ms, server CPU until then ${cpu} ms`);
    // Stopped at once: the queued builds stay queued for the next start (the running one is interrupted).
    await serve.stop();
  }
} finally {
  await sink.close();
  repo.close();
  rmSync(dataDir, { recursive: true, force: true });
}
if (profiling) {
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount: number;
    children?: number[];
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
  console.log(`profile (whole run of the third start, including its stop): ${path.join(profDir, file)}`);
  for (const [key, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
}
