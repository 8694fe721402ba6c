import { GROUP_FD, PASSWD_FD } from "./sandbox-fds.js";

/**
 * A build sees the host's /etc (read-only), and so the host's name for uid 1000, which is the
 * build's own uid in its sandbox: `id` said `cloudsdk` on one machine. The sandbox gets passwd
 * and group files of its own instead, naming only the build's user, root and nobody (whom files
 * of unmapped owners show as). bwrap reads them on fds, as it reads a network's resolv.conf
 * (build-network.ts), and binds them read-only over /etc/passwd and /etc/group, after /etc itself:
 * nothing is written to disk for them.
 */
export interface IdentityArgs {
  /** bwrap mounts, after the system's. */
  readonly mounts: readonly string[];
  /** What bwrap reads on fds for them (SandboxedCommand.inputs). */
  readonly inputs: Readonly<Record<number, Buffer>>;
}

/** The build's user is `build`, `uid`:`uid`, at home in `home`. */
export function identityArgs(uid: number, home: string): IdentityArgs {
  const files = identityFiles(uid, home);
  return {
    // Readable by the build (bwrap makes such a file 0600 otherwise).
    mounts: [
      ...["--perms", "0644", "--ro-bind-data", String(PASSWD_FD), "/etc/passwd"],
      ...["--perms", "0644", "--ro-bind-data", String(GROUP_FD), "/etc/group"],
    ],
    inputs: { [PASSWD_FD]: Buffer.from(files.passwd), [GROUP_FD]: Buffer.from(files.group) },
  };
}

/** The sandbox's /etc/passwd and /etc/group. */
export function identityFiles(uid: number, home: string): { passwd: string; group: string } {
  return {
    passwd: [
      "root:x:0:0:root:/root:/bin/sh",
      `build:x:${uid}:${uid}:slashbuild build:${home}:/bin/sh`,
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
      "",
    ].join("\n"),
    group: ["root:x:0:", `build:x:${uid}:`, "nogroup:x:65534:", ""].join("\n"),
  };
}
