import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import type { Config } from "../../../config/config.js";
import { SlashbuildError } from "../../../core/errors.js";
import { withSandboxIdentity } from "./sandbox-identity.js";
import { planSandbox, type SandboxPlan, sandboxCommand } from "./sandbox-plan.js";

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
 */
export function prepareSandbox(
  config: Config,
  logger?: Logger,
  options: { bwrap?: string } = {},
): SandboxPlan | null {
  if (config.runner.sandbox === "none") {
    logger?.warn(
      "runner.sandbox is none: builds on the embedded runner are NOT sandboxed and can read slashbuild's config, database and secrets (see docs/security.md)",
    );
    return null;
  }
  const plan = withSandboxIdentity(planSandbox(config, options), path.join(config.dataDir, "sandbox"));
  if (plan.asRoot && (plan.hostUid === 0 || plan.hostGid === 0)) {
    throw new SlashbuildError(
      "SANDBOX_UNAVAILABLE",
      "runner.build_uid and runner.build_gid must not be 0: builds would run as root. Pick an unused uid, e.g. 64055.",
    );
  }
  const probe = mkdtempSync(path.join(os.tmpdir(), "slashbuild-sandbox-check-"));
  try {
    const command = sandboxCommand(plan, { network: true }, config.runner.limits, probe, "true");
    const result = spawnSync(command.file, [...command.args], {
      stdio: ["ignore", "ignore", "pipe", "pipe"],
      encoding: "utf8",
      timeout: 30_000,
    });
    if (result.error || result.status !== 0) {
      const said = result.error
        ? (result.error as NodeJS.ErrnoException).code === "ENOENT"
          ? `\`${plan.bwrap}\` is not installed`
          : result.error.message
        : result.stderr.trim() || `bwrap exited with ${result.status}`;
      throw new SlashbuildError(
        "SANDBOX_UNAVAILABLE",
        `slashbuild cannot sandbox builds on this machine (${said}). ${HOW_TO_FIX}`,
      );
    }
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  return plan;
}
