import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { prepareCgroups } from "../../../../src/backends/local/sandbox/prepare-cgroups.js";
import { effectiveLimits } from "../../../../src/backends/local/sandbox/sandbox-limits.js";
import { planSandbox } from "../../../../src/backends/local/sandbox/sandbox-plan.js";
import type { Config } from "../../../../src/config/config.js";
import { mountSmallFilesystem, type SmallFilesystem } from "../../../helpers/small-filesystem.js";
import { Harness, processAlive } from "./harness.js";

vi.setConfig({ testTimeout: 120_000 });

const HOG = [
  // 1 MiB every 0.1 s until the filesystem is full, then it holds the space...
  'i=0; while head -c 1048576 /dev/zero > "fill$i" 2>/dev/null; do i=$((i+1)); sleep 0.1; done',
  // ...all but 16 KiB: above a 1-byte free-space floor, too little for a working copy.
  "rm fill0; avail=$(df -B1 --output=avail . | tail -n 1); head -c $((avail - 16384)) /dev/zero > pad",
  'echo full > "$OUT/hog-full"; sleep 120',
].join("\n");

/** The sandbox with cgroups, as `serve` prepares it; fails (never skips) where none can be had. */
function withCgroups(config: Config) {
  const cgroups = prepareCgroups(config);
  if (!cgroups) throw new Error("this test needs cgroups: run it as root");
  return { ...planSandbox(config), cgroups };
}

let h: Harness | null = null;
let small: SmallFilesystem | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
  small?.unmount();
  small = null;
});

/**
 * Issue 18: a build wrote into its workspace until the filesystem was full, and another user's
 * build then failed with "could not check out the commit". Workspaces here live on a 64 MiB
 * filesystem of their own (runner.workspaces_dir); the hog writes until it is full.
 */
describe.each([
  ["limits.disk: 8MiB", "8MiB"],
  ["no disk limit", null],
])("a build filling its workspace, %s", (_name, disk) => {
  it(
    disk
      ? "ends with the reason in the build and its log, and another build still checks out"
      : "fills the filesystem, and another build cannot check out (the attack the limit stops)",
    async () => {
      small = mountSmallFilesystem("64m", "0700");
      h = await Harness.create({
        repos: { hog: { commands: [HOG] }, victim: { commands: ["test -f README.md"] } },
        runner: { workspaces_dir: small.dir, limits: { disk } },
        // The floor for starting builds is issue 18's other defence (the hog leaves 16 KiB): off
        // here, to see this one alone.
        config: { health: { min_free_disk: 1 } },
      });
      const hog = await h.start("hog");
      if (disk) {
        const ended = await h.events.finished(hog.id);
        expect(ended).toMatchObject({ status: "failed", failingStep: HOG });
        expect(ended.reason).toMatch(/^the workspace took more than limits\.disk \(8\.4 MB\) on disk/);
        expect(await h.backend.logs.read(hog.id, 0)).toMatch(
          /\[slashbuild: the workspace took more than limits\.disk/,
        );
        expect(h.outExists("hog-full")).toBe(false);
      } else {
        await h.waitForOut("hog-full");
      }
      const victim = await h.run("victim");
      if (disk) expect(victim).toMatchObject({ status: "succeeded" });
      else {
        expect(victim.status).toBe("failed");
        expect(victim.reason).toMatch(/could not (check out the commit|create the working copy)/);
        await h.backend.stop(hog, h.repo("hog"), "alice");
      }
    },
  );
});

describe("a step in a cgroup of its own (needs root or a delegated cgroup v2)", () => {
  it("is killed by the kernel for writing more than limits.memory to /tmp, and the build says why", async () => {
    h = await Harness.create({
      repos: { greedy: { commands: ["head -c 201326592 /dev/zero > /tmp/fill; echo wrote it all"] } },
      runner: { limits: { memory: "64MiB", tmpfs: "1GiB" } },
      sandbox: withCgroups,
    });
    const build = await h.start("greedy");
    const ended = await h.events.finished(build.id);
    expect(ended.status).toBe("failed");
    expect(ended.reason).toMatch(
      /^the kernel killed .* of this step for using more than limits\.memory \(67\.1 MB\)/,
    );
    const log = await h.backend.logs.read(build.id, 0);
    expect(log).not.toContain("wrote it all");
    expect(h.events.of(build.id)[0]).toMatchObject({
      external: { sandbox: "bwrap", cgroup: expect.stringMatching(/^v[12]$/) },
    });
  });

  it("removes the step cgroups a crash left at the next start, ending what still runs in them", async () => {
    h = await Harness.create({ repos: { app: { commands: ["true"] } }, sandbox: withCgroups });
    const plan = withCgroups(h.config);
    const leftover = plan.cgroups.forStep("build-77-0", effectiveLimits(undefined, undefined));
    const sleeper = leftover.wrap({ file: "sleep", args: ["600"], inputs: {} });
    const child = spawn(sleeper.file, [...sleeper.args], { stdio: "ignore", detached: true });
    child.unref();
    const pid = child.pid as number;
    const procs = path.join(leftover.dirs[0] as string, "cgroup.procs");
    while (!readFileSync(procs, "utf8").split("\n").includes(String(pid))) await sleep(10);

    await h.backend.recover([], {});
    await h.backend.recovered();
    expect(leftover.dirs.filter((dir) => existsSync(dir))).toEqual([]);
    while (processAlive(pid)) await sleep(10);
  });
});
