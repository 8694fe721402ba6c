import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The controllers a build's limits need: memory (memory), processes (pids), CPU weight (cpu). */
const CONTROLLERS = ["memory", "pids", "cpu"] as const;
export type Controller = (typeof CONTROLLERS)[number];

/** One cgroup hierarchy's folder under which this slashbuild makes its steps' cgroups. */
export interface CgroupHierarchy {
  readonly dir: string;
  readonly controllers: readonly Controller[];
}

/** Where steps' cgroups go: one folder on cgroup v2, one per controller hierarchy on v1. */
export interface CgroupSetup {
  readonly version: "v1" | "v2";
  readonly hierarchies: readonly CgroupHierarchy[];
}

export type CgroupFinding =
  | { readonly ok: true; readonly setup: CgroupSetup }
  | { readonly ok: false; readonly reason: string };

export interface FindOptions {
  /** Where `cgroup` and `mountinfo` are read (default /proc/self; tests give a simulated one). */
  readonly procSelf?: string;
  /** slashbuild's pid, moved into a leaf of its own cgroup on a delegated v2 (default process.pid). */
  readonly pid?: number;
}

interface Mount {
  readonly root: string;
  readonly point: string;
  readonly fstype: string;
  readonly options: readonly string[];
}

/**
 * Finds where this slashbuild may make cgroups for its steps, named `name` (one per data_dir, so
 * the leftovers of a crash are found again and nobody else's are touched). cgroup v2 first, in
 * slashbuild's own cgroup: the root, or a cgroup delegated to it (systemd `Delegate=yes`), where
 * it first moves itself into a leaf (v2 lets only a cgroup without processes of its own give
 * controllers to children). Then v1 (hybrid machines, whose v2 has no memory controller), which
 * in practice needs root. Never throws: a reason says why neither can be had.
 */
export function findCgroups(name: string, options: FindOptions = {}): CgroupFinding {
  const procSelf = options.procSelf ?? "/proc/self";
  let mounts: Mount[];
  let membership: string[];
  try {
    mounts = parseMountinfo(readFileSync(path.join(procSelf, "mountinfo"), "utf8"));
    membership = readFileSync(path.join(procSelf, "cgroup"), "utf8").split("\n").filter(Boolean);
  } catch (error) {
    return { ok: false, reason: `cannot read ${procSelf}: ${(error as Error).message}` };
  }
  const v2 = findV2(name, mounts, membership, options.pid ?? process.pid);
  if (v2.ok) return v2;
  const v1 = findV1(name, mounts, membership);
  if (v1.ok) return v1;
  return { ok: false, reason: `cgroup v2: ${v2.reason}; cgroup v1: ${v1.reason}` };
}

function findV2(
  name: string,
  mounts: readonly Mount[],
  membership: readonly string[],
  pid: number,
): CgroupFinding {
  const mount = mounts.find((m) => m.fstype === "cgroup2");
  const own = membership.find((line) => line.startsWith("0::"))?.slice(3);
  if (!mount || own === undefined) return { ok: false, reason: "not mounted" };
  const home = path.join(mount.point, path.relative(mount.root, own));
  const controllers = CONTROLLERS.filter((c) => words(path.join(home, "cgroup.controllers")).includes(c));
  if (!controllers.includes("memory")) {
    return { ok: false, reason: `no memory controller for slashbuild's cgroup ${home}` };
  }
  const enable = controllers.map((c) => `+${c}`).join(" ");
  try {
    if (!controllers.every((c) => words(path.join(home, "cgroup.subtree_control")).includes(c))) {
      // Only a cgroup without processes of its own may hand controllers down (the root excepted).
      if (own !== "/") moveIntoLeaf(home, `${name}-service`, pid);
      writeFileSync(path.join(home, "cgroup.subtree_control"), enable);
    }
    const dir = path.join(home, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "cgroup.subtree_control"), enable);
    return { ok: true, setup: { version: "v2", hierarchies: [{ dir, controllers }] } };
  } catch (error) {
    return {
      ok: false,
      reason: `cannot hand controllers down in ${home} (${(error as Error).message}): run slashbuild as root, or as a systemd service with Delegate=yes`,
    };
  }
}

/**
 * slashbuild moves itself out of `home` into a leaf: it must be alone there (a delegated service
 * cgroup); a cgroup shared with other processes (a login session) is not slashbuild's to rearrange.
 */
function moveIntoLeaf(home: string, leaf: string, pid: number): void {
  const others = words(path.join(home, "cgroup.procs")).filter((p) => p !== String(pid));
  if (others.length > 0) {
    throw new Error(`it holds ${others.length} other process(es) besides slashbuild`);
  }
  const dir = path.join(home, leaf);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "cgroup.procs"), String(pid));
}

function findV1(name: string, mounts: readonly Mount[], membership: readonly string[]): CgroupFinding {
  const byDir = new Map<string, Controller[]>();
  for (const controller of CONTROLLERS) {
    const mount = mounts.find((m) => m.fstype === "cgroup" && m.options.includes(controller));
    // "4:memory:/a/b", "1:cpu,cpuacct:/": slashbuild's own cgroup in that hierarchy.
    const own = membership
      .map((line) => line.split(":"))
      .find(([, list]) => list?.split(",").includes(controller))
      ?.slice(2)
      .join(":");
    if (!mount || own === undefined) {
      if (controller === "memory") return { ok: false, reason: "no memory controller mounted" };
      continue;
    }
    const dir = path.join(mount.point, path.relative(mount.root, own), name);
    byDir.set(dir, [...(byDir.get(dir) ?? []), controller]);
  }
  try {
    for (const dir of byDir.keys()) mkdirSync(dir, { recursive: true });
  } catch (error) {
    return { ok: false, reason: `cannot make cgroups (${(error as Error).message}): run slashbuild as root` };
  }
  const hierarchies = [...byDir].map(([dir, controllers]) => ({ dir, controllers }));
  return { ok: true, setup: { version: "v1", hierarchies } };
}

/** /proc/self/mountinfo: "36 25 0:31 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory". */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const fields = left.split(" ");
    const [fstype, , superOptions] = right.split(" ");
    if (!fields[3] || !fields[4] || !fstype) continue;
    mounts.push({
      root: unescapeField(fields[3]),
      point: unescapeField(fields[4]),
      fstype,
      options: (superOptions ?? "").split(","),
    });
  }
  return mounts;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes (\040). */
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, code: string) => String.fromCharCode(Number.parseInt(code, 8)));
}

/** The whitespace-separated words of a cgroup file; none when it cannot be read. */
function words(file: string): string[] {
  if (!existsSync(file)) return [];
  try {
    return readFileSync(file, "utf8").split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}
