import type { RepoConfig, SandboxLimits } from "../../config/config.js";
import { formatBytes } from "../../core/format-bytes.js";
import { type DiskWatch, watchDisk } from "./disk-watcher.js";
import type { StepCgroup } from "./sandbox/sandbox-cgroup.js";
import { effectiveLimits } from "./sandbox/sandbox-limits.js";
import type { SandboxedCommand, SandboxPlan } from "./sandbox/sandbox-plan.js";

export interface BuildLimitsOptions {
  readonly buildId: number;
  readonly repo: Pick<RepoConfig, "limits">;
  readonly runnerLimits: SandboxLimits | undefined;
  readonly sandbox: SandboxPlan | null;
  readonly workspace: string;
  /** A limit ends the build: called once with the reason people are told. */
  readonly onOver: (reason: string) => void;
}

/** What a step needs from its limits, and what they say once it has ended. */
export interface StepLimits {
  /** The step's sandbox command, started inside the step's cgroup when it has one. */
  wrap(command: SandboxedCommand): SandboxedCommand;
  /** The cgroup holds limits.memory (all the step's memory, tmpfs included): no RLIMIT_AS then. */
  readonly memoryInCgroup: boolean;
  /** Once the step is over: why a limit ended it, if one did; removes its cgroup when nothing is left. */
  finish(gone: boolean): string | null;
}

const NO_CGROUP: StepLimits = { wrap: (command) => command, memoryInCgroup: false, finish: () => null };

/**
 * The limits a running build is held to besides its rlimits: limits.disk on its workspace, watched
 * for the whole build, and, where cgroups can be had, a cgroup per step with limits.memory,
 * limits.processes and limits.cpu_weight.
 */
export class BuildLimits {
  readonly #options: BuildLimitsOptions;
  readonly #limits: Required<SandboxLimits>;
  #watch: DiskWatch | null = null;
  #overReason: string | null = null;

  constructor(options: BuildLimitsOptions) {
    this.#options = options;
    this.#limits = effectiveLimits(options.runnerLimits, options.repo.limits);
  }

  /** What the build's page says of its cgroup ("none": the limits are per process only). */
  get cgroup(): "v1" | "v2" | "none" {
    return this.#options.sandbox?.cgroups?.version ?? "none";
  }

  /** Once a limit ended the build: the reason people are told. */
  get overReason(): string | null {
    return this.#overReason;
  }

  /** Starts checking the workspace against limits.disk (when set), until stop(). */
  watchDisk(): void {
    const limitBytes = this.#limits.diskBytes;
    if (limitBytes === null || this.#watch) return;
    this.#watch = watchDisk({
      dir: this.#options.workspace,
      limitBytes,
      onOver: (reason) => {
        this.#overReason = reason;
        this.#options.onOver(reason);
      },
    });
  }

  /** The step's limits; throws when its cgroup cannot be made (the step must not run without). */
  step(index: number): StepLimits {
    const cgroups = this.#options.sandbox?.cgroups;
    if (!cgroups) return NO_CGROUP;
    const cgroup = cgroups.forStep(`build-${this.#options.buildId}-${index}`, this.#limits);
    return {
      wrap: (command) => cgroup.wrap(command),
      memoryInCgroup: this.#limits.memoryBytes !== null,
      finish: (gone) => this.#finish(cgroup, gone),
    };
  }

  stop(): void {
    this.#watch?.stop();
    this.#watch = null;
  }

  #finish(cgroup: StepCgroup, gone: boolean): string | null {
    const killed = cgroup.oomKills();
    if (gone) cgroup.remove();
    if (killed === 0 || this.#limits.memoryBytes === null) return null;
    return `the kernel killed ${killed === 1 ? "a process" : `${killed} processes`} of this step for using more than limits.memory (${formatBytes(this.#limits.memoryBytes)}), which counts its /tmp, /var/tmp and HOME too`;
  }
}
