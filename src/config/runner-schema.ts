import { z } from "zod";
import { limitsSchema } from "./limits-schema.js";
import { duration, size } from "./schema-types.js";

/**
 * A build's network: true (its own network namespace, the internet through user-mode NAT, nothing
 * of the host), false (loopback of its own only), or host (the host's network namespace itself).
 */
export const networkSchema = z.union([z.boolean(), z.literal("host")], {
  error: "must be true (a network of its own), false (none) or host (the host's, shared)",
});

/** The embedded runner: how many builds at once, their sandbox, limits and what of the host they see. */
export const runnerSchema = z
  .object({
    concurrency: z.number().int().positive().default(2),
    log_limit: size.default(10_000_000),
    /** bwrap: every build command in a bubblewrap sandbox; none: plain processes (unsafe, warned about). */
    sandbox: z.enum(["bwrap", "none"]).default("bwrap"),
    /** Between SIGTERM and SIGKILL when a build is stopped, times out, or is ended by recovery. */
    kill_grace: duration.default(5_000),
    network: networkSchema.default(true),
    limits: limitsSchema.default({}),
    /** Where builds' working copies live (default: data_dir/workspaces); may be a filesystem of its own. */
    workspaces_dir: z.string().min(1).optional(),
    /** Host uid/gid builds run as when slashbuild runs as root; never 0. */
    build_uid: z.number().int().positive().default(65534),
    build_gid: z.number().int().positive().default(65534),
    /** Extra host paths a build may read (e.g. /opt for toolchains), besides the system ones. */
    read_only_paths: z.array(z.string().regex(/^\//, "must be an absolute path")).default([]),
    /** Host paths every build may write (shared caches such as ~/.m2): a channel between builds, grant with care. */
    writable_paths: z.array(z.string().regex(/^\//, "must be an absolute path")).default([]),
  })
  .strict();
