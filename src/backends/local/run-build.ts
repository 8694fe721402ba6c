import { existsSync, mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import type { Logger } from "pino";
import type { RepoConfig, SandboxLimits } from "../../config/config.js";
import type { Build, FinalStatus } from "../../core/build.js";
import { isSlashbuildError } from "../../core/errors.js";
import type { BuildEvent } from "../../core/events.js";
import type { Clock } from "../../core/ports.js";
import { buildEnv } from "./build-env.js";
import { BuildLimits, type StepLimits } from "./build-limits.js";
import type { BuildMirrors } from "./build-mirrors.js";
import { type CheckoutPlan, planCheckout } from "./checkout-plan.js";
import { chownTree } from "./chown-tree.js";
import type { LogFiles } from "./log-files.js";
import { retireWorkspace } from "./retire-workspace.js";
import { runStep } from "./run-step.js";
import { type SandboxPlan, sandboxCommand, sandboxEnv } from "./sandbox/sandbox-plan.js";
import { StepLog } from "./step-log.js";
import { forgetStep, recordStep } from "./step-records.js";
import { untilStopped } from "./until-stopped.js";

/**
 * Why a build was ended early; `closing` means slashbuild is shutting down and reports nothing;
 * `over_limit`: a limit (limits.disk) ended it, and `reason` says which.
 */
export type StopReason =
  | { readonly kind: "cancelled"; readonly by: string }
  | { readonly kind: "timed_out" }
  | { readonly kind: "over_limit"; readonly reason: string }
  | { readonly kind: "closing" };

export interface RunBuildOptions {
  readonly build: Build;
  readonly repo: RepoConfig;
  readonly mirrors: BuildMirrors;
  readonly workspace: string;
  readonly logs: LogFiles;
  readonly logLimitBytes: number;
  /** Strings masked besides the repo's secrets (e.g. the Mattermost tokens). */
  readonly extraSecrets: readonly string[];
  readonly parentEnv: NodeJS.ProcessEnv;
  readonly killGraceMs: number;
  /** How commands are sandboxed; null runs them as plain processes (`runner.sandbox: none`). */
  readonly sandbox: SandboxPlan | null;
  readonly runnerLimits: SandboxLimits | undefined;
  /** Aborted with a StopReason by stop() or close(). */
  readonly stopSignal: AbortSignal;
  readonly emit: (event: BuildEvent) => void;
  readonly onLog: (index: number, text: string) => void;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** A step's process could not be started (the sandbox start failure metric). */
  readonly onStartFailure?: () => void;
}

/** How a build ended; null when slashbuild is closing and reports nothing. */
type Outcome = {
  readonly status: FinalStatus;
  readonly failingStep?: string;
  readonly reason?: string;
} | null;

/**
 * One build from start to finish: resolve the commit, make a fresh working copy, run the commands
 * in order until one fails, report each step, take the working copy away (removed in the
 * background), then report the result (so whoever sees `finished` sees the workspace gone). The
 * repo's timeout covers all of it.
 */
export async function runBuild(options: RunBuildOptions): Promise<void> {
  mark(options, "runner_start");
  const abort = new AbortController();
  const forward = (): void => abort.abort(options.stopSignal.reason);
  options.stopSignal.addEventListener("abort", forward, { once: true });
  if (options.stopSignal.aborted) forward();
  const timer = setTimeout(
    () => abort.abort({ kind: "timed_out" } satisfies StopReason),
    options.repo.timeoutMs,
  );
  const limits = new BuildLimits({
    ...options,
    buildId: options.build.id,
    onOver: (reason) => abort.abort({ kind: "over_limit", reason } satisfies StopReason),
  });
  let outcome: Outcome;
  try {
    outcome = await prepareAndRun(options, abort.signal, limits);
  } finally {
    clearTimeout(timer);
    limits.stop();
    options.stopSignal.removeEventListener("abort", forward);
    await retireWorkspace(options.workspace, (error: unknown) => {
      options.logger?.warn({ buildId: options.build.id, err: error }, "could not remove the working copy");
    });
  }
  if (outcome) options.emit({ type: "finished", buildId: options.build.id, at: options.clock(), ...outcome });
  mark(options, "finished");
}

/**
 * The build's timeline at debug level (`log_level: debug`): where the time of a build goes, for
 * bench/real/build-timeline.ts and for anyone asking why a build was slow to start.
 */
function mark(options: RunBuildOptions, phase: string, step?: number): void {
  options.logger?.debug(
    { buildId: options.build.id, phase, ...(step === undefined ? {} : { step }) },
    "build timeline",
  );
}

async function prepareAndRun(
  options: RunBuildOptions,
  signal: AbortSignal,
  limits: BuildLimits,
): Promise<Outcome> {
  const { build, repo } = options;
  const checkout = planCheckout(options.sandbox, options.mirrors, repo);
  const resolving = options.mirrors.resolve(repo, build.branch, build.requestedRevision);
  // Awaited below, after other awaits: a failure meanwhile must not count as unhandled.
  resolving.catch(() => {});
  // A leftover (normally there is none: recovery removes them) must not become part of the copy.
  if (existsSync(options.workspace)) await rm(options.workspace, { recursive: true, force: true });
  // While the remote is asked for the tip, the working copy of the tip the mirror already knows is
  // made on the side: that is the commit built almost always, and the two waits overlap. It is
  // only a guess: it is kept only if it is exactly the commit resolved, else it is thrown away.
  const guess = build.requestedRevision === null ? options.mirrors.knownTip(repo, build.branch) : null;
  const early = guess === null ? null : workingCopy(options, checkout, guess);
  const resolved = await untilStopped(resolving, signal);
  // Settled before anything else touches the workspace (or the finally removes it).
  const earlyError = early === null ? null : await early;
  if (resolved.kind === "stopped") return stopOutcome(signal.reason, null, "while fetching the repository");
  if (resolved.kind === "failed") {
    return { status: "failed", reason: explain(resolved.error, "could not resolve the commit") };
  }
  const sha = resolved.value;
  mark(options, "resolved");

  if (early === null || sha !== guess || earlyError !== null) {
    if (early !== null) await rm(options.workspace, { recursive: true, force: true });
    const error = await workingCopy(options, checkout, sha);
    if (error !== null) {
      options.logger?.error({ buildId: build.id, err: error }, "could not create the working copy");
      return { status: "failed", reason: explain(error, "could not create the working copy") };
    }
  }
  mark(options, "working_copy");
  if (signal.aborted) return stopOutcome(signal.reason, null, "before its first command");
  // As root, builds run as the unprivileged build uid, which must own the working copy it writes.
  if (options.sandbox?.asRoot) {
    chownTree(options.workspace, options.sandbox.hostUid, options.sandbox.hostGid);
    mark(options, "chowned");
  }

  // Kept with the build, so its page says so even after the config changes.
  const external = options.sandbox ? { sandbox: "bwrap", cgroup: limits.cgroup } : { sandbox: "none" };
  options.emit({ type: "external", buildId: build.id, at: options.clock(), external });
  options.emit({ type: "started", buildId: build.id, at: options.clock(), sha, steps: [...repo.commands] });
  mkdirSync(options.logs.dirFor(build.id), { recursive: true });
  limits.watchDisk();
  return runSteps(options, sha, signal, checkout, limits);
}

async function runSteps(
  options: RunBuildOptions,
  sha: string,
  signal: AbortSignal,
  checkout: CheckoutPlan,
  limits: BuildLimits,
): Promise<Outcome> {
  const { build, repo } = options;
  const plainEnv = buildEnv(build, repo, sha, options.parentEnv);
  const env = options.sandbox ? sandboxEnv(plainEnv) : plainEnv;
  const secrets = [...Object.values(repo.secrets), ...options.extraSecrets];
  const stepEvent = (index: number) => ({ buildId: build.id, at: options.clock(), index });

  for (const [index, command] of repo.commands.entries()) {
    options.emit({ type: "step_started", ...stepEvent(index), name: command });
    const log = new StepLog({
      file: options.logs.pathFor(build.id, index),
      limitBytes: options.logLimitBytes,
      secrets,
      onText: (text) => options.onLog(index, text),
    });
    mark(options, "step_spawn", index);
    let step: StepLimits;
    try {
      step = limits.step(index);
    } catch (error) {
      await log.close().catch(() => {});
      options.emit({ type: "step_finished", ...stepEvent(index), status: "failed", exitCode: null });
      return { status: "failed", failingStep: command, reason: explain(error, "no cgroup for the step") };
    }
    const { exitCode, gone, reported } = await runStep({
      command,
      cwd: options.workspace,
      env,
      log,
      signal,
      killGraceMs: options.killGraceMs,
      sandbox: options.sandbox
        ? step.wrap(
            sandboxCommand(options.sandbox, repo, options.runnerLimits, options.workspace, command, {
              ...checkout.step(index),
              memoryInCgroup: step.memoryInCgroup,
            }),
          )
        : null,
      onRecord: (record) => recordStep(options.workspace, record),
      onExit: () => mark(options, "step_exit", index),
      ...(options.onStartFailure ? { onStartFailure: options.onStartFailure } : {}),
    });
    // Only once nothing of the step is left: otherwise the next start must still find and end it.
    mark(options, "step_done", index);
    if (gone) await forgetStep(options.workspace);
    else options.logger?.error({ buildId: build.id, step: index }, "a step's processes could not be ended");
    // What ended it is said in the log too, where whoever reads the step's output looks.
    const killedBy = step.finish(gone);
    if (killedBy ?? limits.overReason) log.append(`\n[slashbuild: ${killedBy ?? limits.overReason}]\n`);
    await log.close().catch((error: unknown) => {
      options.logger?.warn({ buildId: build.id, step: index, err: error }, "could not write the step log");
    });
    if (signal.aborted) {
      const reason = signal.reason as StopReason;
      if (reason.kind === "closing") return null;
      const status =
        reason.kind === "cancelled" ? "cancelled" : reason.kind === "timed_out" ? "timed_out" : "failed";
      options.emit({ type: "step_finished", ...stepEvent(index), status, exitCode });
      return stopOutcome(reason, command, "");
    }
    if (checkout.checkoutFailed(index, reported)) {
      // The step ended before its command ran: the working copy's files could not be written.
      options.emit({ type: "step_finished", ...stepEvent(index), status: "failed", exitCode });
      return { status: "failed", reason: "could not check out the commit (the first step's log says why)" };
    }
    const ok = exitCode === 0;
    options.emit({
      type: "step_finished",
      ...stepEvent(index),
      status: ok ? "succeeded" : "failed",
      exitCode,
    });
    if (!ok) return { status: "failed", failingStep: command, ...(killedBy ? { reason: killedBy } : {}) };
  }
  return { status: "succeeded" };
}

function stopOutcome(reason: StopReason, command: string | null, when: string): Outcome {
  if (reason.kind === "closing") return null;
  if (reason.kind === "over_limit") {
    return { status: "failed", ...(command ? { failingStep: command } : {}), reason: reason.reason };
  }
  const suffix = when ? ` ${when}` : "";
  if (reason.kind === "timed_out") {
    return command
      ? { status: "timed_out", failingStep: command }
      : { status: "timed_out", reason: `the build timed out${suffix}` };
  }
  return { status: "cancelled", reason: `stopped by @${reason.by}${suffix}` };
}

/** Makes the working copy of `sha`; resolves with the error instead of throwing it (null = made). */
function workingCopy(options: RunBuildOptions, checkout: CheckoutPlan, sha: string): Promise<unknown> {
  return options.mirrors.createWorkingCopy(options.repo, sha, options.workspace, checkout.workingCopy).then(
    () => null,
    (error: unknown) => error ?? new Error("could not create the working copy"),
  );
}

function explain(error: unknown, fallback: string): string {
  if (isSlashbuildError(error)) return error.message;
  return `${fallback}: ${error instanceof Error ? error.message : String(error)}`;
}
