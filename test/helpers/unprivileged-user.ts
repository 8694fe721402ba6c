import { execFile, spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { SANDBOX_UID } from "../../src/backends/local/sandbox/sandbox-plan.js";
import type { RunAs } from "./service-process.js";

const exec = promisify(execFile);

/** The host user a test runs the service as, and whether that means switching to it. */
export interface UnprivilegedUser extends RunAs {
  /** True when the test runs as root and hands its files over to this user. */
  readonly switched: boolean;
}

// Not 1000 (what a sandboxed build is inside its namespace) nor 65534 (runner.build_uid's
// default), so a build seeing its own uid can tell it apart from slashbuild's.
const FIRST_CANDIDATE = 61_000;
const LAST_CANDIDATE = 61_999;

/**
 * A non-root id for slashbuild. Run as root (as CI does), it is an id no entry of /etc/passwd or
 * /etc/group uses and no process runs as (other tests may use one without an entry), picked at
 * random; a test that needs a user of the machine with that id adds one (system-user.ts). Files
 * it owns live only in the test's temp dirs. Run unprivileged, it is the test's own user.
 */
export function unprivilegedUser(): UnprivilegedUser {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? uid, switched: false };
  const taken = new Set([...idsIn("/etc/passwd", 2), ...idsIn("/etc/group", 2), ...processUids()]);
  const free: number[] = [];
  for (let id = FIRST_CANDIDATE; id <= LAST_CANDIDATE; id++)
    if (id !== SANDBOX_UID && !taken.has(id)) free.push(id);
  const id = free[randomInt(Math.max(free.length, 1))];
  if (id === undefined)
    throw new Error(`no free id in ${FIRST_CANDIDATE}..${LAST_CANDIDATE} for an unprivileged test user`);
  return { uid: id, gid: id, switched: true };
}

/** The real uids of the machine's processes. */
function processUids(): number[] {
  const uids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1];
      if (uid !== undefined) uids.push(Number(uid));
    } catch {
      // exited while we looked
    }
  }
  return uids;
}

/**
 * Fails (never skips) with the reason when `user` cannot create a user namespace, which the
 * sandbox needs when slashbuild is not root.
 */
export function assertUserNamespaces(user: UnprivilegedUser): void {
  const result = spawnSync("unshare", ["--user", "true"], {
    ...(user.switched ? { uid: user.uid, gid: user.gid } : {}),
    encoding: "utf8",
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (result.error || result.status !== 0) {
    throw new Error(
      `user namespaces are not available to an unprivileged user on this machine (\`unshare --user true\` as uid ${user.uid}: ${
        result.error?.message ?? (result.stderr.trim() || `exit ${result.status}`)
      }). slashbuild's sandbox cannot run unprivileged here: allow them (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone, kernel.apparmor_restrict_unprivileged_userns).`,
    );
  }
}

/** Gives `paths` (recursively) to `user` when the test switched to it; otherwise they are already its. */
export async function handOver(user: UnprivilegedUser, ...paths: string[]): Promise<void> {
  if (!user.switched) return;
  await exec("chown", ["-R", "--", `${user.uid}:${user.gid}`, ...paths]);
}

/** Takes `paths` back from `user` (git refuses to commit in a repository another user owns). */
export async function takeBack(user: UnprivilegedUser, ...paths: string[]): Promise<void> {
  if (!user.switched) return;
  await exec("chown", ["-R", "--", `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`, ...paths]);
}

function idsIn(file: string, field: number): number[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => Number(line.split(":")[field]))
    .filter((id) => Number.isInteger(id));
}
