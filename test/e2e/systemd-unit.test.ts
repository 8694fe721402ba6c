import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { processAlive } from "../helpers/process-alive.js";
import { demoConfig, ROOT, ServiceProcess, waitForHealthz } from "../helpers/service-process.js";
import { tempDirPerTest } from "../helpers/temp-dir-per-test.js";

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
    expect(directive(unit, "ReadWritePaths")).toEqual(["/var/lib/slashbuild"]);
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

  it("starts slashbuild itself: SIGTERM to the started process stops the service (npx would leave it running)", async () => {
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
    // With `npx slashbuild serve` the pid above is npm's: npm exits, slashbuild keeps answering.
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
