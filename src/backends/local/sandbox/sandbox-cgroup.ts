import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { SandboxLimits } from "../../../config/config.js";
import type { CgroupSetup, Controller } from "./find-cgroups.js";
import type { SandboxedCommand } from "./sandbox-plan.js";

/**
 * Joins the cgroups named before `--` (by writing its own pid into each cgroup.procs), then
 * becomes the sandbox. Run before bwrap exists, so bwrap and everything it starts are born inside:
 * nothing of the step ever runs outside its cgroup, and there is no moment to race.
 */
const JOIN_THEN_EXEC = [
  'while [ "$1" != -- ]; do',
  '  echo $$ > "$1" || { echo "[slashbuild: could not put the step in its cgroup]" >&2; exit 126; }',
  "  shift",
  "done",
  'shift; exec "$@"',
].join("\n");

/** After cgroup.kill (or SIGKILL to each member), how long a leftover may take to empty. */
const EMPTY_WAIT_MS = 2000;

/** One step's cgroup: its limits are written when it is made; removed once the step is gone. */
export class StepCgroup {
  readonly dirs: readonly string[];
  readonly #version: CgroupSetup["version"];
  readonly #memoryDir: string | undefined;

  constructor(setup: CgroupSetup, name: string, limits: Required<SandboxLimits>) {
    this.#version = setup.version;
    this.dirs = setup.hierarchies.map((h) => path.join(h.dir, name));
    try {
      setup.hierarchies.forEach((hierarchy, index) => {
        const dir = this.dirs[index] as string;
        mkdirSync(dir, { recursive: true });
        for (const controller of hierarchy.controllers) writeLimit(setup.version, dir, controller, limits);
      });
    } catch (error) {
      this.remove(); // nothing runs in it yet: no half-made cgroup is left behind
      throw error;
    }
    const memory = setup.hierarchies.findIndex((h) => h.controllers.includes("memory"));
    this.#memoryDir = this.dirs[memory];
  }

  /** `command`, started inside this cgroup. */
  wrap(command: SandboxedCommand): SandboxedCommand {
    const procs = this.dirs.map((dir) => path.join(dir, "cgroup.procs"));
    return {
      ...command,
      file: "sh",
      args: ["-c", JOIN_THEN_EXEC, "slashbuild-cgroup", ...procs, "--", command.file, ...command.args],
    };
  }

  /** How many of the step's processes the kernel killed for passing the memory limit. */
  oomKills(): number {
    if (!this.#memoryDir) return 0;
    const file = this.#version === "v2" ? "memory.events" : "memory.oom_control";
    const text = readOr(path.join(this.#memoryDir, file), "");
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  /** Removes the cgroup; false while processes are left in it (the next start removes it then). */
  remove(): boolean {
    let removed = true;
    for (const dir of this.dirs) {
      try {
        rmdirSync(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") removed = false;
      }
    }
    return removed;
  }
}

/**
 * The cgroups of this slashbuild's steps (one folder per data_dir, see findCgroups). Memory counts
 * page cache and tmpfs pages, which belong to no process and so escape every rlimit.
 */
export class BuildCgroups {
  readonly setup: CgroupSetup;

  constructor(setup: CgroupSetup) {
    this.setup = setup;
  }

  get version(): CgroupSetup["version"] {
    return this.setup.version;
  }

  /** Makes the step's cgroup with its limits; throws when the kernel refuses one. */
  forStep(name: string, limits: Required<SandboxLimits>): StepCgroup {
    return new StepCgroup(this.setup, name, limits);
  }

  /** At a clean stop: this slashbuild's folders go too, when no step cgroup is left in them. */
  close(): void {
    for (const hierarchy of this.setup.hierarchies) rmdirOrFalse(hierarchy.dir);
  }

  /**
   * At start-up, once recovery has ended what the last process left: removes every step cgroup
   * still there, ending first whatever still runs in one (a crash can leave a sandbox behind).
   * Returns the names it could not remove (and logs them).
   */
  async removeLeftovers(logger?: Logger): Promise<string[]> {
    const names = new Set(this.setup.hierarchies.flatMap((h) => subdirs(h.dir)));
    const stuck: string[] = [];
    for (const name of names) {
      const dirs = this.setup.hierarchies.map((h) => path.join(h.dir, name)).filter((dir) => existsSync(dir));
      for (const dir of dirs) endMembers(dir);
      for (
        let waited = 0;
        dirs.some((dir) => members(dir).length > 0) && waited < EMPTY_WAIT_MS;
        waited += 50
      )
        await sleep(50);
      const removed = dirs.map((dir) => rmdirOrFalse(dir));
      if (!removed.every(Boolean)) stuck.push(name);
    }
    if (stuck.length > 0) logger?.warn({ cgroups: stuck }, "recovery: could not remove old step cgroups");
    return stuck;
  }
}

function writeLimit(
  version: CgroupSetup["version"],
  dir: string,
  controller: Controller,
  limits: Required<SandboxLimits>,
): void {
  const write = (file: string, value: string | number) => writeFileSync(path.join(dir, file), String(value));
  if (controller === "memory") {
    const bytes = limits.memoryBytes;
    if (version === "v2") {
      write("memory.max", bytes ?? "max");
      // Swapped out, tmpfs pages would leave memory.max behind: the limit is on memory and swap.
      if (existsSync(path.join(dir, "memory.swap.max"))) write("memory.swap.max", bytes === null ? "max" : 0);
    } else {
      write("memory.limit_in_bytes", bytes ?? -1);
      if (existsSync(path.join(dir, "memory.memsw.limit_in_bytes")))
        write("memory.memsw.limit_in_bytes", bytes ?? -1);
    }
  } else if (controller === "pids") {
    write("pids.max", limits.processes ?? "max");
  } else if (limits.cpuWeight !== null) {
    // v1's cpu.shares is 1024 where v2's cpu.weight is 100.
    if (version === "v2") write("cpu.weight", limits.cpuWeight);
    else write("cpu.shares", Math.max(2, Math.round((limits.cpuWeight * 1024) / 100)));
  }
}

/** Every process still in a leftover cgroup gets SIGKILL (v2: cgroup.kill, which misses none). */
function endMembers(dir: string): void {
  const kill = path.join(dir, "cgroup.kill");
  if (existsSync(kill)) {
    try {
      writeFileSync(kill, "1");
      return;
    } catch {
      // an older kernel's file, or not ours to write: one by one below
    }
  }
  for (const pid of members(dir)) {
    try {
      // Read from this build cgroup a moment ago: a process of a step this slashbuild started.
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
}

function members(dir: string): number[] {
  return readOr(path.join(dir, "cgroup.procs"), "").split("\n").filter(Boolean).map(Number);
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

function rmdirOrFalse(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}
