import type { SandboxLimits } from "../../../config/config.js";

/**
 * Sane defaults for a build: enough processes for `make -j` with threaded tools, and no file
 * larger than a few GB (a runaway log or core dump fills the disk slashbuild needs too). Memory
 * and CPU time are off by default: RLIMIT_AS breaks JVMs, Go and Node, which reserve far more
 * address space than they use, and the build timeout already bounds CPU.
 */
export const DEFAULT_LIMITS: Required<SandboxLimits> = {
  processes: 4096,
  fileSizeBytes: 4 * 1024 ** 3,
  memoryBytes: null,
  cpuTimeMs: null,
};

/** Repo keys over runner keys over the defaults, key by key. */
export function effectiveLimits(
  runner: SandboxLimits | undefined,
  repo: SandboxLimits | undefined,
): Required<SandboxLimits> {
  const pick = <K extends keyof SandboxLimits>(key: K): Required<SandboxLimits>[K] =>
    (repo?.[key] !== undefined
      ? repo[key]
      : runner?.[key] !== undefined
        ? runner[key]
        : DEFAULT_LIMITS[key]) ?? null;
  return {
    processes: pick("processes"),
    fileSizeBytes: pick("fileSizeBytes"),
    memoryBytes: pick("memoryBytes"),
    cpuTimeMs: pick("cpuTimeMs"),
  };
}

/**
 * `prlimit` arguments (util-linux) setting soft and hard limits alike, so the build cannot raise
 * them again. Empty when every limit is off.
 */
export function prlimitArgs(limits: Required<SandboxLimits>): string[] {
  const args: string[] = [];
  if (limits.processes !== null) args.push(`--nproc=${limits.processes}`);
  if (limits.fileSizeBytes !== null) args.push(`--fsize=${limits.fileSizeBytes}`);
  if (limits.memoryBytes !== null) args.push(`--as=${limits.memoryBytes}`);
  if (limits.cpuTimeMs !== null) args.push(`--cpu=${Math.max(1, Math.ceil(limits.cpuTimeMs / 1000))}`);
  return args.length > 0 ? ["prlimit", ...args, "--"] : [];
}
