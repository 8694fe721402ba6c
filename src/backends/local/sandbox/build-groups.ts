import { readFileSync } from "node:fs";
import os from "node:os";
import { SANDBOX_UID } from "./sandbox-plan.js";

/**
 * Unprivileged, bwrap can map only slashbuild's own uid and gid into a build's user namespace,
 * and must leave its supplementary groups alone: so on the host a build kept slashbuild's groups,
 * and read a `root:slashbuild` mode-640 file beside the config. A subordinate gid of slashbuild's
 * user (/etc/subgid, as rootless Podman uses) gives builds a group of their own: util-linux's
 * `unshare` maps it with `newgidmap` (setuid root, from Debian's uidmap), drops the
 * supplementary groups and takes that gid, then starts bwrap, whose build sees itself as
 * SANDBOX_UID:SANDBOX_UID as before. The uid stays slashbuild's (files a build writes must stay
 * slashbuild's to clean up); only the groups change.
 */
export interface GroupLauncher {
  /** The command bwrap is started by (SandboxPlan.launcher). */
  readonly launcher: readonly string[];
  /** The host gid builds get. */
  readonly gid: number;
}

/**
 * The launcher for slashbuild's user, or why there can be none (a sentence for the start-up
 * warning). Whether it works (newgidmap present and allowed to gain its privileges, util-linux
 * new enough) is left to the start-up probe.
 */
export function groupLauncher(
  options: { subgidFile?: string; statusFile?: string; user?: { name: string | null; uid: number } } = {},
): GroupLauncher | { readonly why: string } {
  if (readFileSafe(options.statusFile ?? "/proc/self/status")?.match(/^NoNewPrivs:\s*1$/m)) {
    return {
      why: "slashbuild runs with no_new_privs (systemd's NoNewPrivileges=, or a setting that implies it), so newgidmap cannot map a subordinate gid",
    };
  }
  const user = options.user ?? currentUser();
  const gid = subordinateGid(readFileSafe(options.subgidFile ?? "/etc/subgid") ?? "", user);
  if (gid === null) {
    return {
      why: `/etc/subgid gives slashbuild's user (${user.name ?? `uid ${user.uid}`}) no subordinate gid`,
    };
  }
  const id = String(SANDBOX_UID);
  return {
    gid,
    launcher: [
      "unshare",
      "--user",
      `--map-user=${id}`,
      `--map-groups=${gid},${id},1`,
      // No supplementary groups, and the subordinate gid as the only one.
      `--setgid=${id}`,
      "--",
    ],
  };
}

/**
 * The first gid of the first range /etc/subgid gives `user` (lines `owner:first:count`, the owner
 * a user name or a uid), or null. Gid 0 is never taken.
 */
export function subordinateGid(subgid: string, user: { name: string | null; uid: number }): number | null {
  for (const line of subgid.split("\n")) {
    const [owner, first, count] = line.trim().split(":");
    if (owner !== user.name && owner !== String(user.uid)) continue;
    const gid = Number(first);
    if (Number.isSafeInteger(gid) && gid > 0 && Number(count) >= 1) return gid;
  }
  return null;
}

function currentUser(): { name: string | null; uid: number } {
  const uid = process.getuid?.() ?? -1;
  try {
    return { name: os.userInfo().username, uid };
  } catch {
    return { name: null, uid }; // no passwd entry: newgidmap would refuse anyway
  }
}

function readFileSafe(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}
