import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { chown, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runStep } from "../../../../src/backends/local/run-step.js";
import type { StepNetworkSpec } from "../../../../src/backends/local/sandbox/build-network.js";
import { prepareNetwork } from "../../../../src/backends/local/sandbox/prepare-network.js";
import { planSandbox, sandboxCommand } from "../../../../src/backends/local/sandbox/sandbox-plan.js";
import { StepLog } from "../../../../src/backends/local/step-log.js";
import type { BuildNetwork } from "../../../../src/config/config.js";
import { isSlashbuildError } from "../../../../src/core/errors.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";
import { makeConfig } from "../../../helpers/make-config.js";
import { waitFor } from "../../../helpers/service-process.js";
import { startTestHost, type TestHost } from "../../../helpers/test-host-netns.js";

/** A step's outcome and its log. */
interface Ran {
  readonly exitCode: number | null;
  readonly log: string;
}

/** Connects to host:port (optionally bound to a device), then prints what it reads, or DENIED. */
const CONNECT = `import socket, sys
s = socket.socket()
s.settimeout(5)
if len(sys.argv) > 3:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[3].encode())
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    print("DENIED", e)
    sys.exit()
print("CONNECTED")
try:
    print("GOT", s.recv(100).decode().strip())
except OSError as e:
    print("nothing read:", e)
`;

/** Runs one step with a network of its own in a process of its own (test/helpers/run-network-step.ts). */
const STEP_SCRIPT = path.resolve(import.meta.dirname, "../../../helpers/run-network-step.ts");

/** Fetches http://outside.slashbuild.test:PORT/ by name (getaddrinfo, so DNS) and prints the body. */
const FETCH =
  'import sys, urllib.request; print(urllib.request.urlopen("http://outside.slashbuild.test:%s/" % sys.argv[1], timeout=10).read().decode())';

/** slirp4netns processes started by `parent` (this process by default), as `pid@starttime`. */
async function ourSlirps(parent = process.pid): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const comm = /\((.*)\)/.exec(stat)?.[1];
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (comm === "slirp4netns" && Number(fields[1]) === parent && fields[0] !== "Z")
      found.push(`${entry}@${fields[19]}`);
  }
  return found;
}

/** Whether `pid@starttime` (ourSlirps) still runs: a reused pid has another start time. */
async function stillRuns(helper: string): Promise<boolean> {
  const [pid, started] = helper.split("@");
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return stat !== "" && fields[19] === started && fields[0] !== "Z";
}

describe("a build's own network (slirp4netns), on real sandboxed steps", () => {
  const config = makeConfig();
  const plan = planSandbox(config);
  let dir: string;
  let workspace: string;

  beforeEach(async () => {
    dir = await makeTempDir("slashbuild-network-");
    workspace = path.join(dir, "workspace");
    await mkdir(workspace);
    if (plan.asRoot) await chown(workspace, plan.hostUid, plan.hostGid);
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  async function step(
    network: BuildNetwork,
    command: string,
    options: { spec?: Partial<StepNetworkSpec>; signal?: AbortSignal } = {},
  ): Promise<Ran> {
    const file = path.join(dir, "step.log");
    const log = new StepLog({ file, limitBytes: 100_000, secrets: [] });
    const line = sandboxCommand(plan, { network }, undefined, workspace, command);
    const sandbox =
      line.network && options.spec ? { ...line, network: { ...line.network, ...options.spec } } : line;
    const result = await runStep({
      command,
      cwd: workspace,
      env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin", CONNECT },
      log,
      signal: options.signal ?? new AbortController().signal,
      killGraceMs: 500,
      sandbox,
    });
    await log.close();
    return { exitCode: result.exitCode, log: await readFile(file, "utf8") };
  }

  describe("the host's addresses", () => {
    let outside: TestHost;
    let everywhere: Server;
    let port: number;

    beforeAll(async () => {
      outside = await startTestHost();
      everywhere = createServer((socket) => socket.end("host-service\n"));
      await new Promise<void>((resolve) => everywhere.listen(0, "0.0.0.0", resolve));
      port = (everywhere.address() as { port: number }).port;
    });
    afterAll(async () => {
      everywhere?.close();
      await outside?.close();
    });

    const connect = (target: string, device = "") => `python3 -c "$CONNECT" ${target} ${port} ${device}`;

    it("are reached through slirp4netns without their unreachable routes, and not with them", async () => {
      // slirp4netns opens the build's connections from the host: the routes are the defence.
      const open = await step(true, connect(outside.hostAddress), { spec: { blockedAddresses: [] } });
      expect(open.log).toContain("GOT host-service");
      const blocked = await step(true, connect(outside.hostAddress));
      expect(blocked.log).toContain("DENIED");
      expect(blocked.log).not.toContain("host-service");
    });

    it("stay unreachable to a socket bound to the tap device (no route to fall back to on-link)", async () => {
      const unblocked = await step(true, connect(outside.hostAddress, "tap0"), {
        spec: { blockedAddresses: [] },
      });
      expect(unblocked.log).toContain("GOT host-service");
      const bound = await step(true, connect(outside.hostAddress, "tap0"));
      expect(bound.log).toContain("DENIED");
      expect(bound.log).not.toContain("CONNECTED");
      // The same socket reaches the outside: binding to the device is not what fails.
      const out = await step(true, `python3 -c "$CONNECT" ${outside.address} ${outside.port} tap0`);
      expect(out.log).toContain("CONNECTED");
    });

    /**
     * Runs one step with a network of its own where this machine's resolv.conf is `resolv` (and,
     * when given, systemd-resolved's list of servers is `upstreams`): a mount namespace of the
     * test's, seen by slirp4netns too. The DNS server is the test host's, so no query leaves
     * the machine; it says every name is the test host.
     */
    async function stepWithResolver(resolv: string, upstreams: string | null): Promise<string> {
      await writeFile(path.join(dir, "resolv.conf"), resolv);
      await writeFile(path.join(dir, "upstreams.conf"), upstreams ?? "");
      const lookup = `getent hosts outside.slashbuild.test && python3 -c '${FETCH}' ${outside.port}`;
      const setUp = [
        'mount --bind "$0/resolv.conf" /etc/resolv.conf',
        // A /run of its own: systemd-resolved's list exists only in this mount namespace.
        ...(upstreams === null
          ? []
          : [
              "mount -t tmpfs tmpfs /run",
              "mkdir -p /run/systemd/resolve",
              'cp "$0/upstreams.conf" /run/systemd/resolve/resolv.conf',
            ]),
        'exec "$@"',
      ].join(" && ");
      const ran = spawnSync(
        "unshare",
        [
          "--mount",
          "--propagation",
          "private",
          "--",
          "sh",
          "-c",
          setUp,
          dir,
          process.execPath,
          "--import",
          "tsx",
          STEP_SCRIPT,
          lookup,
        ],
        { encoding: "utf8", timeout: 120_000 },
      );
      return ran.stdout + ran.stderr;
    }

    const resolvedByName = (said: string) => {
      expect(said).toContain("EXIT 0");
      expect(said).toMatch(
        new RegExp(`^${outside.address.replaceAll(".", "\\.")}\\s+outside\\.slashbuild\\.test`, "m"),
      );
      expect(said).toContain(outside.token);
    };

    it("leave DNS working through slirp4netns's forwarder to this machine's resolver", async () => {
      resolvedByName(await stepWithResolver(`nameserver ${outside.address}\n`, null));
    });

    it("leave DNS working with this machine's resolver on its loopback (systemd-resolved): its upstreams", async () => {
      resolvedByName(await stepWithResolver("nameserver 127.0.0.53\n", `nameserver ${outside.address}\n`));
    });

    it("are the host's with network: host", async () => {
      const shared = await step("host", connect(outside.hostAddress));
      expect(shared.log).toContain("GOT host-service");
    });
  });

  it("reads a resolv.conf naming slirp4netns's DNS, which it can reach", async () => {
    const ran = await step(true, "cat /etc/resolv.conf; ip route get 10.0.2.3");
    expect(ran.exitCode).toBe(0);
    expect(ran.log).toContain("nameserver 10.0.2.3");
    expect(ran.log).toMatch(/10\.0\.2\.3 dev tap0/);
  });

  it("cannot change its routes", async () => {
    const ran = await step(true, "ip route del default && echo DELETED; ip route");
    expect(ran.log).not.toContain("DELETED");
    expect(ran.log).toMatch(/^default via 10\.0\.2\.2 dev tap0/m);
  });

  it("ends the network's helper with the step, also when the step is stopped", async () => {
    const stop = new AbortController();
    const running = step(true, "touch started; sleep 60", { signal: stop.signal });
    await waitFor("the step to start", async () => (await readdir(workspace)).includes("started"));
    expect(await ourSlirps()).toHaveLength(1);
    stop.abort();
    await running;
    expect(await ourSlirps()).toEqual([]);
    await step(true, "true");
    expect(await ourSlirps()).toEqual([]);
  });

  it("ends the network's helper when slashbuild itself is SIGKILLed (its exit fd closes)", async () => {
    const runner = spawn(process.execPath, ["--import", "tsx", STEP_SCRIPT, "sleep 120"], {
      stdio: "ignore",
    });
    const pid = runner.pid ?? 0;
    const helpers = await waitFor("the step's slirp4netns", async () => {
      const found = await ourSlirps(pid);
      return found.length > 0 ? found : undefined;
    });
    const exited = once(runner, "exit");
    runner.kill("SIGKILL");
    await exited;
    await waitFor("slirp4netns to end with its slashbuild", async () => {
      for (const helper of helpers) if (await stillRuns(helper)) return false;
      return true;
    });
  });

  it("never runs the command when the network cannot be set up, and says why", async () => {
    const ran = await step(true, "touch ran", { spec: { slirp4netns: "/nonexistent/slirp4netns" } });
    expect(ran.exitCode).not.toBe(0);
    expect(ran.log).toContain("could not set up the build's network: slirp4netns could not be started");
    expect(await readdir(workspace)).not.toContain("ran");
    expect(await ourSlirps()).toEqual([]);
  });
});

describe("prepareNetwork (serve's start-up check)", () => {
  const plan = planSandbox(makeConfig());

  it("refuses to start without slirp4netns, naming the package and network: host or false", async () => {
    const error = await prepareNetwork(makeConfig(), plan, undefined, {
      slirp4netns: "/nonexistent/slirp4netns",
    }).catch((caught: unknown) => caught);
    expect(isSlashbuildError(error) && error.code).toBe("SANDBOX_UNAVAILABLE");
    const message = (error as Error).message;
    expect(message).toContain("apt-get install slirp4netns");
    expect(message).toContain("`host`");
    expect(message).toContain("`false`");
  });

  it("starts with slirp4netns, and needs none when no local repo has a network of its own", async () => {
    await prepareNetwork(makeConfig(), plan);
    const noOwnNetwork = makeConfig({
      repos: {
        shared: { url: "/nonexistent/a.git", commands: ["true"], network: "host" },
        offline: { url: "/nonexistent/b.git", commands: ["true"], network: false },
      },
    });
    await prepareNetwork(noOwnNetwork, plan, undefined, { slirp4netns: "/nonexistent/slirp4netns" });
  });
});
