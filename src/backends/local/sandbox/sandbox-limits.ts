import type { SandboxLimits } from "../../../config/config.js";

/**
 * Sane defaults for a build: enough processes for `make -j` with threaded tools, no file larger
 * than a few GB (a runaway log or core dump fills the disk slashbuild needs too), a workspace of
 * at most 10 GB, and a 1 GiB /tmp, /var/tmp and HOME (tmpfs is memory that belongs to no process:
 * unsized, each could take half the machine's RAM). Memory and CPU time are off by default: a
 * cgroup's memory has no size that suits every build, RLIMIT_AS (where no cgroup can be had)
 * breaks JVMs, Go and Node, which reserve far more address space than they use, and the build
 * timeout already bounds CPU. A CPU weight of 100 is what every other cgroup has.
 */
const DEFAULT_LIMITS: Required<SandboxLimits> = {
  processes: 4096,
  fileSizeBytes: 4 * 1024 ** 3,
  memoryBytes: null,
  cpuTimeMs: null,
  diskBytes: 10 * 1024 ** 3,
  tmpfsBytes: 1024 ** 3,
  cpuWeight: 100,
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
    diskBytes: pick("diskBytes"),
    tmpfsBytes: pick("tmpfsBytes"),
    cpuWeight: pick("cpuWeight"),
  };
}

/**
 * `prlimit` arguments (util-linux) setting soft and hard limits alike, so the build cannot raise
 * them again. Empty when every limit is off. `memoryInCgroup`: the step's cgroup holds the memory
 * limit (all of the step's memory, tmpfs included), so no per-process RLIMIT_AS is set beside it.
 */
export function prlimitArgs(limits: Required<SandboxLimits>, memoryInCgroup = false): string[] {
  const args: string[] = [];
  if (limits.processes !== null) args.push(`--nproc=${limits.processes}`);
  if (limits.fileSizeBytes !== null) args.push(`--fsize=${limits.fileSizeBytes}`);
  if (limits.memoryBytes !== null && !memoryInCgroup) args.push(`--as=${limits.memoryBytes}`);
  if (limits.cpuTimeMs !== null) args.push(`--cpu=${Math.max(1, Math.ceil(limits.cpuTimeMs / 1000))}`);
  return args.length > 0 ? ["prlimit", ...args, "--"] : [];
}

/** bwrap arguments for a tmpfs at `dir`, sized (bwrap ≥ 0.7's `--size`) when the limit is set. */
export function tmpfsArgs(limits: Required<SandboxLimits>, dir: string): string[] {
  return [...(limits.tmpfsBytes === null ? [] : ["--size", String(limits.tmpfsBytes)]), "--tmpfs", dir];
}
