import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import type { Config } from "../../../config/config.js";
import { SlashbuildError } from "../../../core/errors.js";
import { runStep } from "../run-step.js";
import { StepLog } from "../step-log.js";
import { networkMode } from "./build-network.js";
import { type SandboxPlan, sandboxCommand } from "./sandbox-plan.js";

/** Far beyond what it takes (~0.1 s): a safety net for a helper that hangs. */
const PROBE_MS = 60_000;

/**
 * At start-up, when any repo built here gets a network of its own (`network: true`, the default):
 * runs one real sandboxed step with that network, as builds get it, so a machine that cannot
 * give builds their network is found before any build runs. Refuses the start with
 * SANDBOX_UNAVAILABLE, naming the package to install and the `network` choices instead.
 */
export async function prepareNetwork(
  config: Config,
  plan: SandboxPlan,
  logger?: Logger,
  options: { slirp4netns?: string } = {},
): Promise<void> {
  const wanted = Object.values(config.repos).some(
    (repo) => repo.backend === "local" && networkMode(repo.network) === "own",
  );
  if (!wanted) return;
  const probe = mkdtempSync(path.join(os.tmpdir(), "slashbuild-network-check-"));
  try {
    const workspace = path.join(probe, "workspace");
    mkdirSync(workspace);
    if (plan.asRoot) chownSync(workspace, plan.hostUid, plan.hostGid);
    const said = await probeStep(plan, config, probe, options.slirp4netns);
    if (said !== null) throw unavailable(said, plan.asRoot);
    logger?.debug("builds get a network namespace of their own (slirp4netns)");
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** null when a sandboxed `true` ran with a network of its own; else what went wrong. */
async function probeStep(
  plan: SandboxPlan,
  config: Config,
  probe: string,
  slirp4netns: string | undefined,
): Promise<string | null> {
  const file = path.join(probe, "probe.log");
  const log = new StepLog({ file, limitBytes: 64_000, secrets: [] });
  const command = sandboxCommand(
    plan,
    { network: true },
    config.runner.limits,
    path.join(probe, "workspace"),
    "true",
  );
  const network = command.network && slirp4netns ? { ...command.network, slirp4netns } : command.network;
  const result = await runStep({
    command: "true",
    cwd: probe,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    log,
    signal: AbortSignal.timeout(PROBE_MS),
    killGraceMs: 1000,
    sandbox: { ...command, ...(network ? { network } : {}) },
  });
  await log.close().catch(() => {});
  if (result.exitCode === 0) return null;
  const text = readFileSync(file, "utf8").trim();
  const reason = /\[slashbuild: could not set up the build's network: (.*)\]/.exec(text)?.[1];
  return reason ?? (text || `the sandbox exited with ${result.exitCode ?? "a signal"}`);
}

function unavailable(said: string, asRoot: boolean): SlashbuildError {
  const tun = asRoot
    ? ""
    : " slashbuild's user must also be able to open /dev/net/tun (mode 0666, as Debian's udev makes it: `chmod 0666 /dev/net/tun`).";
  return new SlashbuildError(
    "SANDBOX_UNAVAILABLE",
    `slashbuild cannot give builds a network of their own on this machine (${said}). ` +
      `Install slirp4netns and iproute2 (Debian/Ubuntu: \`apt-get install slirp4netns iproute2\`).${tun} ` +
      "Then start slashbuild again. Or set `network` (under runner, or per repo) to `host`: builds then " +
      "share this machine's network namespace, with its loopback services, abstract unix sockets and " +
      "connections; or to `false`: no network but a loopback of their own.",
  );
}
