import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, it } from "vitest";
import { writeWwwStub } from "../../src/backends/buildbot/www-stub.js";
import { freePort } from "./service-process.js";

/**
 * A real Buildbot 3.7 master and worker (Debian's packages) in temporary directories on free
 * ports, for integration tests. Buildbot is never faked: the point is to meet the real thing.
 * See ../shared/buildbot/NOTES.md for the facts this relies on.
 */

const run = promisify(execFile);

/** Debian's scripts run on the system Python; the python3 first on PATH may lack the module. */
export const BUILDBOT = "/usr/bin/buildbot";
export const BUILDBOT_WORKER = "/usr/bin/buildbot-worker";

export function buildbotInstalled(): boolean {
  return existsSync(BUILDBOT) && existsSync(BUILDBOT_WORKER);
}

/**
 * `describe` that runs only where Buildbot is installed, and says so loudly when it does not.
 * In CI (CI=true) a missing Buildbot is a failure: the suite must not silently shrink there.
 */
export function describeWithBuildbot(name: string, body: () => void): void {
  if (!buildbotInstalled()) {
    // `npm test` installs Buildbot first (scripts/install-test-deps.ts): a missing one is a failure
    // to see, never a silently skipped suite.
    describe(name, () => {
      it("needs Buildbot", () => {
        throw new Error(
          `${BUILDBOT} or ${BUILDBOT_WORKER} is missing: run \`npm test\` (it installs them) or \`apt-get install -y buildbot buildbot-worker\``,
        );
      });
    });
    return;
  }
  describe(name, body);
}

export interface MasterPorts {
  readonly wwwPort: number;
  readonly workerPort: number;
  readonly url: string;
}

export interface BuildbotHarness extends MasterPorts {
  readonly dir: string;
  readonly masterDir: string;
  readonly workerDir: string;
  readonly workerName: string;
  readonly workerPassword: string;
  /** A GET as slashbuild's user (a fresh session): the generated master lets nobody else read. */
  read(path: string): Promise<Response>;
  /** Writes a new master.cfg and runs `buildbot checkconfig` on it; resolves with its output. */
  checkconfig(masterCfg: string): Promise<{ ok: boolean; output: string }>;
  /**
   * The pid of THIS harness's master, checked by its working directory (the unique temp master
   * dir), so a reused pid of some other process is never signalled.
   */
  masterPid(): number;
  /** `buildbot stop` on the master (a clean shutdown), and `buildbot start` again. */
  stopMaster(): Promise<void>;
  startMaster(): Promise<void>;
  /** Stops master and worker (idempotent), then removes the temporary directory. */
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * slashbuild's user on the master (its UserPasswordAuth): readiness reads the REST API as this
   * user, since the generated master lets nobody else read.
   */
  readonly user: { readonly name: string; readonly password: string };
  /** Builds the master.cfg once ports are known. */
  readonly masterCfg: (ports: MasterPorts & { workerName: string; workerPassword: string }) => string;
  readonly workerName?: string;
  readonly workerPassword?: string;
  /** Start a worker and wait for it (default true); without, builds stay pending forever. */
  readonly worker?: boolean;
}

/** The `base` www plugin Debian does not ship, as `slashbuild buildbot-config --www-stub` writes it. */
export function writeWwwPlugin(root: string): string {
  return writeWwwStub(path.join(root, "pyplugins"));
}

export async function startBuildbot(options: StartOptions): Promise<BuildbotHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), "slashbuild-bb-"));
  const masterDir = path.join(dir, "master");
  const workerDir = path.join(dir, "worker");
  const workerName = options.workerName ?? "worker-1";
  const workerPassword = options.workerPassword ?? "worker-pass";
  const env = { ...process.env, PYTHONPATH: writeWwwPlugin(dir), PYTHONDONTWRITEBYTECODE: "1" };
  const [wwwPort, workerPort] = [await freePort(), await freePort()];
  const ports = { wwwPort, workerPort, url: `http://127.0.0.1:${wwwPort}` };
  const read = (apiPath: string) => readAs(ports.url, options.user, apiPath);
  let closed = false;

  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.allSettled([
      run(BUILDBOT_WORKER, ["stop", workerDir], { env }),
      run(BUILDBOT, ["stop", masterDir], { env }),
    ]);
    killLeftover(path.join(masterDir, "twistd.pid"));
    killLeftover(path.join(workerDir, "twistd.pid"));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await run(BUILDBOT, ["create-master", "--quiet", masterDir], { env });
    writeFileSync(
      path.join(masterDir, "master.cfg"),
      options.masterCfg({ ...ports, workerName, workerPassword }),
    );
    await run(BUILDBOT, ["upgrade-master", masterDir], { env });
    await run(BUILDBOT, ["start", masterDir], { env }).catch((error: unknown) => {
      throw new Error(`buildbot start failed: ${tail(path.join(masterDir, "twistd.log"))}`, { cause: error });
    });
    await run(
      BUILDBOT_WORKER,
      ["create-worker", "--quiet", workerDir, `127.0.0.1:${workerPort}`, workerName, workerPassword],
      {
        env,
      },
    );
    if (options.worker === false) {
      await waitForWorker(read, null);
    } else {
      await run(BUILDBOT_WORKER, ["start", workerDir], { env });
      await waitForWorker(read, workerName);
    }
  } catch (error) {
    await close();
    throw error;
  }

  return {
    ...ports,
    dir,
    masterDir,
    workerDir,
    workerName,
    workerPassword,
    close,
    read,
    masterPid() {
      const pid = Number(readFileSync(path.join(masterDir, "twistd.pid"), "utf8").trim());
      if (
        !Number.isInteger(pid) ||
        pid <= 1 ||
        realpathSync(`/proc/${pid}/cwd`) !== realpathSync(masterDir)
      ) {
        throw new Error(`pid ${pid} is not this harness's master (${masterDir})`);
      }
      return pid;
    },
    async stopMaster() {
      await run(BUILDBOT, ["stop", masterDir], { env });
      // `stop` can return while twistd still holds its ports; a start then fails to bind.
      const pidFile = path.join(masterDir, "twistd.pid");
      const deadline = Date.now() + 30_000;
      while (existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    },
    async startMaster() {
      await run(BUILDBOT, ["start", masterDir], { env });
      await waitForWorker(read, options.worker === false ? null : workerName);
    },
    async checkconfig(masterCfg: string) {
      const checkDir = mkdtempSync(path.join(dir, "check-"));
      writeFileSync(path.join(checkDir, "master.cfg"), masterCfg);
      try {
        const { stdout, stderr } = await run(BUILDBOT, ["checkconfig", checkDir], { env });
        return { ok: true, output: stdout + stderr };
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
      }
    },
  };
}

/** Signs in as `user` (HTTP Basic on /auth/login sets the session cookie), then GETs `apiPath` with it. */
async function readAs(url: string, user: StartOptions["user"], apiPath: string): Promise<Response> {
  const basic = Buffer.from(`${user.name}:${user.password}`).toString("base64");
  const login = await fetch(`${url}/auth/login`, {
    headers: { authorization: `Basic ${basic}` },
    redirect: "manual",
  });
  await login.body?.cancel();
  // Buildbot sets the cookie twice (anonymous, then the user): the last one is the user's.
  const cookie = login.headers.getSetCookie().at(-1)?.split(";")[0];
  if (!cookie) throw new Error(`Buildbot at ${url} refused ${user.name}'s login (HTTP ${login.status})`);
  return fetch(`${url}${apiPath}`, { headers: { cookie } });
}

/** Readiness: the REST API answers and lists the worker as connected (or just answers, for null). */
async function waitForWorker(
  read: (apiPath: string) => Promise<Response>,
  workerName: string | null,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await read("/api/v2/workers");
      const body = (await response.json()) as { workers?: { name: string; connected_to: unknown[] }[] };
      if (workerName === null && response.ok) return;
      const worker = body.workers?.find((w) => w.name === workerName);
      if (worker && worker.connected_to.length > 0) return;
      last = `worker ${workerName} not connected yet`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Buildbot not ready within 60 s: ${last}`);
}

/** A daemon that ignored `stop` is killed by the pid it wrote, never by name. */
function killLeftover(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone: that is the point.
  }
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-30).join("\n") : "(no twistd.log)";
}

export { freePort };
