import { z } from "zod";
import { duration, size } from "./schema-types.js";

/**
 * A build's limits on the embedded runner (runner.limits, repos.<name>.limits): rlimits set with
 * prlimit, the step's cgroup where one can be had, tmpfs sizes, the workspace's disk use. Each
 * key may be turned off with null; defaults are DEFAULT_LIMITS in backends/local/sandbox/sandbox-limits.ts.
 */
export const limitsSchema = z
  .object({
    /** RLIMIT_NPROC: processes and threads of the build (counted in its own user namespace); the cgroup's pids.max too. */
    processes: z.number().int().positive().nullable().optional(),
    /** RLIMIT_FSIZE: the largest file a build may write. */
    file_size: size.nullable().optional(),
    /** The step's cgroup memory (page cache and tmpfs included); without a cgroup, RLIMIT_AS per process. */
    memory: size.nullable().optional(),
    /** RLIMIT_CPU: CPU time per process. */
    cpu_time: duration.nullable().optional(),
    /** The build's workspace, checked while it runs: past it the build ends (backends/local/disk-watcher.ts). */
    disk: size.nullable().optional(),
    /** Size of each of the sandbox's tmpfs mounts (/tmp, /var/tmp, HOME), which are memory. */
    tmpfs: size.nullable().optional(),
    /** The step's cgroup CPU weight (cgroup v2 cpu.weight: 1 to 10000, 100 is everyone else's). */
    cpu_weight: z.number().int().min(1).max(10_000).nullable().optional(),
  })
  .strict();
