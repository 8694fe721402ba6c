import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** A user of the machine, made for one test (root only), with one subordinate gid of its own. */
export interface SystemUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** What /etc/subgid gives it: builds of a slashbuild run as this user get this gid on the host. */
  readonly subgid: number;
  /** Deletes the user, its group and its /etc/subgid entry. */
  remove(): Promise<void>;
}

// High, and far from what useradd hands out (100000 + 65536 n): no other entry is likely there.
const SUBGID_LOW = 1_600_000_000;
const SUBGID_SPAN = 100_000_000;

/**
 * Adds a user (and its group) with `id` as uid and gid, named `sbtest-<random>`, and gives it one
 * subordinate gid: newgidmap, which the sandbox uses to give builds a group of their own, needs a
 * passwd entry and an /etc/subgid line. Remove it in afterAll.
 */
export async function createSystemUser(id: number): Promise<SystemUser> {
  if (process.getuid?.() !== 0) throw new Error("only root can add a user for a test");
  const name = `sbtest-${randomBytes(4).toString("hex")}`;
  const subgid = freeSubgid();
  await exec("groupadd", ["--gid", String(id), name]);
  try {
    await exec("useradd", [
      "--uid",
      String(id),
      "--gid",
      String(id),
      "--no-create-home",
      "--home-dir",
      "/nonexistent",
      "--shell",
      "/usr/sbin/nologin",
      name,
    ]);
    await exec("usermod", ["--add-subgids", `${subgid}-${subgid}`, name]);
  } catch (error) {
    await exec("userdel", ["--force", name]).catch(() => {});
    await exec("groupdel", [name]).catch(() => {});
    throw error;
  }
  return {
    name,
    uid: id,
    gid: id,
    subgid,
    async remove() {
      // --force: a process another test left with this uid must not keep the entry (and its
      // /etc/subgid line, which userdel removes too) on the machine.
      await exec("userdel", ["--force", name]).catch(() => {});
      await exec("groupdel", [name]).catch(() => {});
    },
  };
}

function freeSubgid(): number {
  const ranges = readFileSync("/etc/subgid", "utf8")
    .split("\n")
    .map((line) => line.split(":").map(Number))
    .filter(([, first, count]) => Number.isInteger(first) && Number.isInteger(count)) as [
    number,
    number,
    number,
  ][];
  const groups = new Set(
    readFileSync("/etc/group", "utf8")
      .split("\n")
      .map((line) => Number(line.split(":")[2])),
  );
  for (;;) {
    const gid = SUBGID_LOW + (randomBytes(4).readUInt32BE() % SUBGID_SPAN);
    if (!groups.has(gid) && !ranges.some(([, first, count]) => gid >= first && gid < first + count))
      return gid;
  }
}
