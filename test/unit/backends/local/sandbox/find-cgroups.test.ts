import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findCgroups, parseMountinfo } from "../../../../../src/backends/local/sandbox/find-cgroups.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";

/**
 * Where a step's cgroups go, decided over a simulated /proc/self and cgroup tree (plain files in
 * a temp dir): this machine's kernel shows one layout only, and cgroup v2 with a memory
 * controller is not one it has. test/unit/backends/local/sandbox/sandbox-cgroup.test.ts runs
 * real cgroups where the machine has them.
 */

const NAME = "slashbuild-0123456789ab";
const PID = 4242;

let root: string;
beforeEach(async () => {
  root = await makeTempDir("slashbuild-cgroupfs-");
});
afterEach(async () => {
  await removeDir(root);
});

/** Writes `files` (path → content) under the simulated root; folders are made as needed. */
function lay(files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
}

const read = (file: string): string => readFileSync(path.join(root, file), "utf8");

function mountinfo(...mounts: [point: string, fstype: string, options: string][]): string {
  return mounts
    .map(
      ([point, fstype, options], i) =>
        `${30 + i} 23 0:${28 + i} / ${path.join(root, point)} rw,relatime - ${fstype} ${fstype} ${options}`,
    )
    .join("\n");
}

const find = () => findCgroups(NAME, { procSelf: path.join(root, "proc"), pid: PID });

describe("findCgroups", () => {
  it("reads mountinfo's fields, octal escapes included", () => {
    const [mount] = parseMountinfo(
      "36 25 0:31 / /sys/fs/cgroup/my\\040memory rw,relatime shared:14 - cgroup cgroup rw,memory",
    );
    expect(mount).toEqual({
      root: "/",
      point: "/sys/fs/cgroup/my memory",
      fstype: "cgroup",
      options: ["rw", "memory"],
    });
  });

  it("cgroup v2, slashbuild in the root cgroup: hands memory, pids and cpu down to its own folder", () => {
    lay({
      "proc/mountinfo": mountinfo(["cg", "cgroup2", "rw,nsdelegate"]),
      "proc/cgroup": "0::/\n",
      "cg/cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma\n",
      "cg/cgroup.subtree_control": "",
    });
    const found = find();
    expect(found).toEqual({
      ok: true,
      setup: {
        version: "v2",
        hierarchies: [{ dir: path.join(root, "cg", NAME), controllers: ["memory", "pids", "cpu"] }],
      },
    });
    expect(read("cg/cgroup.subtree_control")).toBe("+memory +pids +cpu");
    expect(read(`cg/${NAME}/cgroup.subtree_control`)).toBe("+memory +pids +cpu");
  });

  it("cgroup v2 delegated to slashbuild alone (systemd Delegate=yes): moves itself into a leaf first", () => {
    const service = "cg/system.slice/slashbuild.service";
    lay({
      "proc/mountinfo": mountinfo(["cg", "cgroup2", "rw"]),
      "proc/cgroup": "0::/system.slice/slashbuild.service\n",
      [`${service}/cgroup.controllers`]: "memory pids\n",
      [`${service}/cgroup.subtree_control`]: "",
      [`${service}/cgroup.procs`]: `${PID}\n`,
    });
    const found = find();
    expect(found.ok && found.setup.hierarchies).toEqual([
      { dir: path.join(root, service, NAME), controllers: ["memory", "pids"] },
    ]);
    expect(read(`${service}/${NAME}-service/cgroup.procs`)).toBe(String(PID));
    expect(read(`${service}/cgroup.subtree_control`)).toBe("+memory +pids");
  });

  it("refuses to rearrange a v2 cgroup slashbuild shares with other processes, and says why", () => {
    const session = "cg/user.slice/session-3.scope";
    lay({
      "proc/mountinfo": mountinfo(["cg", "cgroup2", "rw"]),
      "proc/cgroup": "0::/user.slice/session-3.scope\n",
      [`${session}/cgroup.controllers`]: "cpu memory pids\n",
      [`${session}/cgroup.subtree_control`]: "",
      [`${session}/cgroup.procs`]: `1234\n${PID}\n`,
    });
    const found = find();
    expect(found.ok).toBe(false);
    expect(!found.ok && found.reason).toMatch(
      /cgroup v2: .*1 other process.*Delegate=yes; cgroup v1: no memory controller/,
    );
    expect(read(`${session}/cgroup.procs`)).toBe(`1234\n${PID}\n`);
  });

  it("a hybrid machine whose v2 has no memory controller: cgroup v1, under slashbuild's own cgroup of each hierarchy", () => {
    lay({
      "proc/mountinfo": mountinfo(
        ["cg/unified", "cgroup2", "rw"],
        ["cg/memory", "cgroup", "rw,memory"],
        ["cg/pids", "cgroup", "rw,pids"],
        ["cg/cpu,cpuacct", "cgroup", "rw,cpu,cpuacct"],
        ["cg/cpuset", "cgroup", "rw,cpuset"],
      ),
      "proc/cgroup": "5:memory:/jobs/42\n4:pids:/\n3:cpuset:/\n2:cpu,cpuacct:/jobs\n0::/\n",
      "cg/unified/cgroup.controllers": "hugetlb\n",
    });
    const found = find();
    expect(found).toEqual({
      ok: true,
      setup: {
        version: "v1",
        hierarchies: [
          { dir: path.join(root, "cg/memory/jobs/42", NAME), controllers: ["memory"] },
          { dir: path.join(root, "cg/pids", NAME), controllers: ["pids"] },
          { dir: path.join(root, "cg/cpu,cpuacct/jobs", NAME), controllers: ["cpu"] },
        ],
      },
    });
  });

  it("says why there is none: no cgroup file system at all", () => {
    lay({ "proc/mountinfo": "22 1 0:20 / / rw - ext4 /dev/vda rw\n", "proc/cgroup": "" });
    expect(find()).toEqual({
      ok: false,
      reason: "cgroup v2: not mounted; cgroup v1: no memory controller mounted",
    });
  });
});
