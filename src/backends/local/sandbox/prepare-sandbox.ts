import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import type { Config } from "../../../config/config.js";
import { SlashbuildError } from "../../../core/errors.js";
import { prepareWorkspacesDir } from "../workspaces-dir.js";
import { groupLauncher } from "./build-groups.js";
import { prepareCgroups } from "./prepare-cgroups.js";
import { planSandbox, type SandboxPlan, sandboxCommand } from "./sandbox-plan.js";
import { inputFiles } from "./sandbox-stdio.js";

const HOW_TO_FIX =
  "Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`) and allow user namespaces " +
  "(`sysctl user.max_user_namespaces=15000`; Debian before 11: `sysctl kernel.unprivileged_userns_clone=1`; " +
  "Ubuntu 23.10+: an AppArmor profile for bwrap or `sysctl kernel.apparmor_restrict_unprivileged_userns=0`; " +
  "in a container: run it with user namespaces allowed, e.g. without the default seccomp profile), " +
  "then start slashbuild again. To run builds without any isolation instead (they can then read " +
  "slashbuild's secrets), set `runner.sandbox: none` in the config.";

/**
 * Decides how the embedded runner isolates builds, at start-up, so a machine that cannot sandbox
 * is found before any build runs rather than by the first one. With the sandbox on, a real
 * sandboxed `true` is run with the exact options builds get; any failure refuses the start.
 * Where giving builds a group of their own fails, the sandbox goes on without it, and says why.
 */
export function prepareSandbox(
  config: Config,
  logger?: Logger,
  options: { bwrap?: string } = {},
): SandboxPlan | null {
  prepareWorkspacesDir(config);
  if (config.runner.sandbox === "none") {
    logger?.warn(
      "runner.sandbox is none: builds on the embedded runner are NOT sandboxed and can read slashbuild's config, database and secrets (see docs/security.md)",
    );
    return null;
  }
  // Unprivileged, builds get a group of their own where slashbuild's user has a subordinate gid.
  const own = process.getuid?.() !== 0 ? groupLauncher() : null;
  let plan = planSandbox(config, {
    ...options,
    ...(own && "launcher" in own ? { launcher: own.launcher } : {}),
  });
  if (plan.seccomp === null) {
    logger?.warn(
      `slashbuild knows no seccomp program for this architecture (${process.arch}): builds may use the kernel keyring, so a key one build stores can be read by later builds (see docs/security.md)`,
    );
  }
  if (plan.asRoot && (plan.hostUid === 0 || plan.hostGid === 0)) {
    throw new SlashbuildError(
      "SANDBOX_UNAVAILABLE",
      "runner.build_uid and runner.build_gid must not be 0: builds would run as root. Pick an unused uid, e.g. 64055.",
    );
  }
  let failure = probe(plan, config);
  let why = own && "why" in own ? own.why : null;
  if (failure !== null && plan.launcher.length > 0) {
    // The sandbox may still work without a group of its own: say why not, and go on without.
    why = `giving them a subordinate gid failed (${failure})`;
    plan = planSandbox(config, options);
    failure = probe(plan, config);
  }
  if (failure !== null) {
    throw new SlashbuildError(
      "SANDBOX_UNAVAILABLE",
      `slashbuild cannot sandbox builds on this machine (${failure}). ${HOW_TO_FIX}`,
    );
  }
  if (why !== null) {
    logger?.warn(
      `builds keep slashbuild's group (gid ${process.getgid?.()}) and supplementary groups: ${why}. They can read what those groups can (see docs/security.md, "Which groups a build has", for the set-up that avoids it).`,
    );
  }
  return { ...plan, cgroups: prepareCgroups(config, logger) };
}

/**
 * Runs a sandboxed `true` with the exact options builds get but a network of their own; what went
 * wrong, or null.
 */
function probe(plan: SandboxPlan, config: Config): string | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slashbuild-sandbox-check-"));
  try {
    // No network helper here (prepare-network.ts checks that, once this plan is settled).
    const command = sandboxCommand(plan, { network: false }, config.runner.limits, dir, "true");
    const inputs = inputFiles(command, dir);
    const result = spawnSync(command.file, [...command.args], {
      stdio: inputs.stdio,
      encoding: "utf8",
      timeout: 30_000,
    });
    inputs.close();
    if (!result.error && result.status === 0) return null;
    if (!result.error) return result.stderr.trim() || `${command.file} exited with ${result.status}`;
    return (result.error as NodeJS.ErrnoException).code === "ENOENT"
      ? `\`${command.file}\` is not installed`
      : result.error.message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
