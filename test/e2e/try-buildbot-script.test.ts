import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.js";
import { requestNew } from "../fakes/request-new.js";
import { describeWithBuildbot, freePort } from "../helpers/buildbot-harness.js";
import { waitFor, wireService } from "../helpers/buildbot-service.js";
import { listeningAddresses } from "../helpers/listening-addresses.js";
import { processAlive } from "../helpers/process-alive.js";
import { BIN, ServiceProcess } from "../helpers/service-process.js";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const SCRIPT = path.join(ROOT, "examples", "buildbot", "try-buildbot.sh");
const CONFIG = path.join(ROOT, "examples", "buildbot", "slashbuild.yaml");

/**
 * examples/buildbot/try-buildbot.sh as a new user runs it: master and worker on loopback (both
 * ports listen on 127.0.0.1 only, as the script says), free ports, a temp dir; the demo repository
 * builds on them through slashbuild; the README's next two commands (`serve` and `try` with the
 * example) show the build, as the main demo does (issue 22 item 6); `stop` takes down exactly the
 * two daemons it started (by their own pid files).
 */
describeWithBuildbot("examples/buildbot/try-buildbot.sh", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-try-bb-"));
  const pids: number[] = [];
  let env: NodeJS.ProcessEnv = process.env;

  afterAll(async () => {
    await exec(SCRIPT, ["stop", dir], { env }).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it("brings up a master and a worker that build the demo repo, and stop takes exactly them down", async () => {
    const port = await freePort();
    env = {
      ...process.env,
      BB_WWW_PORT: String(await freePort()),
      BB_WORKER_PORT: String(await freePort()),
      SLASHBUILD_DATA_DIR: path.join(dir, "data"),
      SLASHBUILD_LISTEN: `127.0.0.1:${port}`,
      SLASHBUILD_PUBLIC_URL: `http://127.0.0.1:${port}`,
    };
    const started = await exec(SCRIPT, ["start", dir], { env });
    expect(started.stdout).toContain("Config file is good!");
    // As the script says: both ports listen on loopback only, and the API answers nobody anonymous.
    expect(listeningAddresses(Number(env.BB_WWW_PORT))).toEqual(["127.0.0.1"]);
    expect(listeningAddresses(Number(env.BB_WORKER_PORT))).toEqual(["127.0.0.1"]);
    const anonymous = await fetch(`http://127.0.0.1:${env.BB_WWW_PORT}/api/v2/builds`);
    await anonymous.body?.cancel();
    expect(anonymous.status).toBe(403);
    for (const name of ["master", "worker"]) {
      pids.push(Number(readFileSync(path.join(dir, name, "twistd.pid"), "utf8").trim()));
    }

    const config = loadConfig(CONFIG, { env });
    if (!config.buildbot) throw new Error("the example has no buildbot: section");
    const wired = wireService(config, config.buildbot);
    try {
      const build = await requestNew(wired.service, {
        repo: "demo",
        branch: null,
        revision: null,
        user: { id: "u1", name: "alice" },
        channel: { id: "c1", name: "ci" },
      });
      // No status route listens here: reconcile over REST alone follows the build.
      const done = await waitFor(
        `#${build.id} finished`,
        async () => {
          await wired.backend.reconcile();
          return wired.notifier.of(build.id, "finished")[0];
        },
        120_000,
      );
      expect(done.status).toBe("succeeded");
    } finally {
      await wired.backend.close();
    }

    // The README's next steps: serve the example, and `try` in another terminal follows the build
    // to its end and names its page, which opens without signing in.
    const service = new ServiceProcess(CONFIG, port, env as Record<string, string>);
    await service.start();
    try {
      const tried = await exec(process.execPath, [BIN, "try", "--config", CONFIG, "/build demo"], { env });
      expect(tried.stdout).toMatch(/Queued build \[#1\]/);
      expect(tried.stdout).toMatch(/^#1 succeeded$/m);
      expect(tried.stdout).not.toContain("sign in");
      const page = await fetch(`${service.url}/builds/1`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("succeeded");
    } finally {
      await service.stop();
    }

    await exec(SCRIPT, ["stop", dir], { env });
    await waitFor("master and worker gone", () => pids.every((pid) => !processAlive(pid)), 30_000);
    expect(existsSync(path.join(dir, "master", "twistd.pid"))).toBe(false);
    expect(existsSync(path.join(dir, "worker", "twistd.pid"))).toBe(false);
  }, 300_000);
});
