import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sendSlashCommand } from "../fakes/send-slash-command.js";
import { GitRepoFixture } from "../helpers/git-repo.js";
import { processAlive } from "../helpers/process-alive.js";
import { demoConfig, ROOT, ServiceProcess, waitFor, waitForHealthz } from "../helpers/service-process.js";
import { tempDirPerTest } from "../helpers/temp-dir-per-test.js";
import { handOver, unprivilegedUser } from "../helpers/unprivileged-user.js";

/**
 * examples/systemd/slashbuild.service as a sysadmin installs it. The unit assumes the code in
 * /opt/slashbuild; here that prefix is this checkout, exactly as someone installing elsewhere edits it.
 */
const UNIT = path.join(ROOT, "examples/systemd/slashbuild.service");

async function installedUnit(): Promise<string> {
  return (await readFile(UNIT, "utf8")).replaceAll("/opt/slashbuild", ROOT);
}

function directive(unit: string, key: string): string[] {
  return unit
    .split("\n")
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1).trim());
}

const newDir = tempDirPerTest("slashbuild-unit-");

/** A step doing what builds commonly do, on the files, processes and limits of its sandbox. */
const EVERYDAY =
  "id; ls -la; git status --short; echo hi > out.txt; cat out.txt; ps >/dev/null 2>&1; ulimit -n; nice -n 1 true; sleep 0.1 & wait";

/** The system calls a SystemCallFilter= allow list lets through, its @groups expanded by systemd-analyze. */
function allowedSyscalls(lines: readonly string[]): Set<string> {
  const allowed = new Set<string>();
  const expand = (name: string): void => {
    if (!name.startsWith("@")) {
      allowed.add(name);
      return;
    }
    const run = spawnSync("systemd-analyze", ["syscall-filter", "--no-pager", name], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`systemd-analyze syscall-filter ${name}: ${run.stderr}`);
    for (const line of run.stdout.split("\n")) {
      const entry = /^\s+([@a-z0-9_-]+)\s*$/.exec(line)?.[1];
      if (entry && entry !== name) expand(entry);
    }
  };
  for (const line of lines) {
    expect(line.startsWith("~")).toBe(false);
    for (const name of line.split(/\s+/).filter(Boolean)) expand(name);
  }
  return allowed;
}

/** The processes `pid` started (its main thread's children). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
  return text.split(/\s+/).filter(Boolean).map(Number);
}

/** The names of the system calls in an `strace -f` output. */
function syscallsIn(trace: string): Set<string> {
  const calls = new Set<string>();
  for (const line of trace.split("\n")) {
    const name = /^\d+\s+([a-z0-9_]+)\(/.exec(line)?.[1];
    if (name) calls.add(name);
  }
  return calls;
}

describe("examples/systemd/slashbuild.service", () => {
  it("passes systemd-analyze verify with no warning", async () => {
    const dir = await newDir();
    const file = path.join(dir, "slashbuild.service");
    await writeFile(file, await installedUnit());
    const run = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("has the hardening the README promises and keeps user namespaces for bubblewrap", async () => {
    const unit = await installedUnit();
    expect(directive(unit, "User")).toEqual(["slashbuild"]);
    expect(directive(unit, "NoNewPrivileges")).toEqual(["yes"]);
    expect(directive(unit, "ProtectSystem")).toEqual(["strict"]);
    expect(directive(unit, "PrivateTmp")).toEqual(["yes"]);
    expect(directive(unit, "RestrictNamespaces")).toEqual([]);
    expect(directive(unit, "PrivateUsers")).toEqual([]);
    // A build's own network needs the tun device in the private /dev.
    expect(directive(unit, "PrivateDevices")).toEqual(["yes"]);
    expect(directive(unit, "BindPaths")).toEqual(["/dev/net/tun"]);
    expect(directive(unit, "DeviceAllow")).toEqual(["/dev/net/tun rw"]);
    // No reload is implemented, so the unit must not pretend to have one.
    expect(directive(unit, "ExecReload")).toEqual([]);
  });

  it("keeps data_dir 0700, as slashbuild makes it, and does not list it twice", async () => {
    const unit = await installedUnit();
    expect(directive(unit, "StateDirectory")).toEqual(["slashbuild"]);
    expect(directive(unit, "StateDirectoryMode")).toEqual(["0700"]);
    // StateDirectory= is writable under ProtectSystem=strict already.
    expect(directive(unit, "ReadWritePaths")).toEqual([]);
  });

  it("rates 3.5 or less in systemd-analyze security", async () => {
    const dir = await newDir();
    const file = path.join(dir, "slashbuild.service");
    await writeFile(file, await installedUnit());
    const run = spawnSync("systemd-analyze", ["security", "--offline=yes", "--no-pager", file], {
      encoding: "utf8",
    });
    expect(run.error).toBeUndefined();
    const score = /Overall exposure level for slashbuild\.service: (\d+(?:\.\d+)?)/.exec(run.stdout)?.[1];
    expect(score, run.stdout + run.stderr).toBeDefined();
    expect(Number(score)).toBeLessThanOrEqual(3.5);
  });

  it("leaves out the settings that would break the build sandbox", async () => {
    const unit = await installedUnit();
    // Each of these mounts over /proc (the kernel then refuses a sandbox its own /proc), hides
    // /proc/sys, forbids sethostname() in the build's UTS namespace, forbids the namespaces
    // themselves, or breaks Node's JIT: the unit's comments say which.
    for (const key of [
      "ProtectKernelTunables",
      "ProtectKernelLogs",
      "ProcSubset",
      "ProtectHostname",
      "RestrictNamespaces",
      "PrivateUsers",
      "MemoryDenyWriteExecute",
    ]) {
      expect({ key, values: directive(unit, key) }).toEqual({ key, values: [] });
    }
    // Refused calls fail with EPERM (a build can cope) instead of killing the process with SIGSYS.
    expect(directive(unit, "SystemCallErrorNumber")).toEqual(["EPERM"]);
  });

  it("allows every system call that slashbuild, git, bwrap and a build make (strace of a real sandboxed build, not root)", async () => {
    const allowed = allowedSyscalls(directive(await installedUnit(), "SystemCallFilter"));
    expect(allowed.has("read")).toBe(true);
    const user = unprivilegedUser();
    const dir = await newDir();
    const repo = await GitRepoFixture.create();
    try {
      const service = await ServiceProcess.write(dir, {
        ...demoConfig(dir, repo.dir, "unit-test-token-0123456789"),
        web: { read: "public" },
        repos: {
          // The sandbox with a network namespace of its own (loopback brought up over netlink)
          // and without, each running a few everyday commands.
          isolated: { url: repo.dir, commands: [EVERYDAY], network: false },
          networked: { url: repo.dir, commands: [EVERYDAY] },
        },
      });
      await handOver(user, dir, repo.dir);
      const trace = path.join(dir, "strace.txt");
      const traced = new ServiceProcess(
        service.configFile,
        service.port,
        user.switched ? { HOME: dir } : {},
        user.switched ? user : undefined,
        { launcher: ["strace", "-f", "-qq", "-o", trace] },
      );
      await traced.start();
      try {
        for (const [id, repoName] of [
          [1, "isolated"],
          [2, "networked"],
        ] as const) {
          const answer = await sendSlashCommand({
            url: `${traced.url}/mattermost/command`,
            token: "unit-test-token-0123456789",
            text: repoName,
          });
          expect(answer.ok).toBe(true);
          const build = await waitFor(
            `build #${id}`,
            async () => {
              const found = (await (await fetch(`${traced.url}/api/builds/${id}`)).json()) as {
                status: string;
              };
              return ["queued", "running"].includes(found.status) ? undefined : found;
            },
            180_000,
          );
          expect(build.status).toBe("succeeded");
        }
      } finally {
        // strace blocks fatal signals while it runs a command into a file (-I3): SIGTERM goes to
        // slashbuild itself, and strace ends with it.
        for (const pid of childrenOf(traced.pid ?? 0)) process.kill(pid, "SIGTERM");
        await traced.stop();
      }
      const made = syscallsIn(await readFile(trace, "utf8"));
      // The trace saw the sandbox being made, and the build's own network set up from outside
      // (slirp4netns and nsenter join its namespaces: setns), so the comparison below means something.
      expect([...made]).toEqual(
        expect.arrayContaining(["pivot_root", "sethostname", "mount", "execve", "setns"]),
      );
      expect([...made].filter((call) => !allowed.has(call))).toEqual([]);
    } finally {
      await repo.remove();
    }
  }, 600_000);

  it("starts slashbuild itself: SIGTERM to the started process stops the service (with npx it would reach npm alone)", async () => {
    const dir = await newDir();
    const service = await ServiceProcess.write(
      dir,
      demoConfig(dir, path.join(ROOT, "examples/demo.bundle"), "unit-test-token-0123456789"),
    );
    const [execStart] = directive(await installedUnit(), "ExecStart");
    expect(execStart).toBeDefined();
    // systemd splits ExecStart on spaces (no shell); the unit's command has no quoting.
    const argv = (execStart as string)
      .replace("/etc/slashbuild/slashbuild.yaml", service.configFile)
      .split(/\s+/);
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: "ignore", detached: true });
    const exited = once(child, "exit");
    const health = await waitForHealthz(child, service.url, "the service to answer /healthz");
    expect(health.status).toBe(200);

    process.kill(child.pid as number, "SIGTERM");
    await exited;
    // With `npx slashbuild serve` the pid above is npm's: npm exits, and slashbuild keeps answering
    // until it notices its parent is gone (test/e2e/parent-exit.test.ts).
    const stillAnswering = await fetch(`${service.url}/healthz`).then(
      () => true,
      () => false,
    );
    if (stillAnswering) process.kill(-(child.pid as number), "SIGKILL");
    expect(stillAnswering).toBe(false);
    expect(processAlive(child.pid as number)).toBe(false);
  });

  it("the README's production section starts the binary, not npx", async () => {
    const readme = await readFile(path.join(ROOT, "README.md"), "utf8");
    const start = readme.indexOf("## Run in production");
    expect(start).toBeGreaterThan(-1);
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    expect(section).toContain("examples/systemd/slashbuild.service");
    expect(section).not.toMatch(/^\s*npx slashbuild serve/m);
  });
});
