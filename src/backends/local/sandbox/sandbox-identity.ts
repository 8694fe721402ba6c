import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SANDBOX_HOME, SANDBOX_UID, type SandboxPlan } from "./sandbox-plan.js";

/**
 * A build sees the host's /etc (read-only), and so the host's name for uid 1000, which is the
 * build's own uid in its sandbox: `id` said `cloudsdk` on one machine. The sandbox gets passwd
 * and group files of its own instead, naming only the build's user, root and nobody (whom files
 * of unmapped owners show as). They are written to `dir` (in data_dir, which builds never see)
 * and bound read-only over /etc/passwd and /etc/group, after /etc itself.
 */
export function withSandboxIdentity(plan: SandboxPlan, dir: string): SandboxPlan {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const args: string[] = [];
  for (const [name, text] of Object.entries(identityFiles())) {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    // Readable by the build's uid through the bind, whatever slashbuild's umask.
    chmodSync(file, 0o644);
    args.push("--ro-bind", file, `/etc/${name}`);
  }
  return { ...plan, systemArgs: [...plan.systemArgs, ...args] };
}

/** The sandbox's /etc/passwd and /etc/group. */
export function identityFiles(): { passwd: string; group: string } {
  return {
    passwd: [
      "root:x:0:0:root:/root:/bin/sh",
      `build:x:${SANDBOX_UID}:${SANDBOX_UID}:slashbuild build:${SANDBOX_HOME}:/bin/sh`,
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
      "",
    ].join("\n"),
    group: ["root:x:0:", `build:x:${SANDBOX_UID}:`, "nogroup:x:65534:", ""].join("\n"),
  };
}
