import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { Config } from "../../../config/config.js";
import { type FindOptions, findCgroups } from "./find-cgroups.js";
import { BuildCgroups } from "./sandbox-cgroup.js";
import { effectiveLimits } from "./sandbox-limits.js";

/** What a build gives up without a cgroup: said at every start, as `runner.sandbox: none` is. */
const WITHOUT =
  "limits.memory is then a per-process address-space limit (RLIMIT_AS) that counts no page cache and no tmpfs, " +
  "limits.processes counts per user namespace, limits.cpu_weight is not applied, and /tmp, /var/tmp and HOME " +
  "are bounded by limits.tmpfs alone (see docs/security.md)";

/**
 * At start-up: where this slashbuild's steps get cgroups of their own, proven by a real process
 * joining one with the runner's limits. Null (and a warning naming the reason and what builds
 * give up) where none can be had; build pages then say "no cgroup".
 */
export function prepareCgroups(
  config: Config,
  logger?: Logger,
  options: FindOptions = {},
): BuildCgroups | null {
  // One folder per data_dir: a restart finds its own leftovers, and never another slashbuild's.
  const name = `slashbuild-${createHash("sha256").update(config.dataDir).digest("hex").slice(0, 12)}`;
  const found = findCgroups(name, options);
  if (!found.ok) {
    logger?.warn(`builds run without a cgroup of their own (${found.reason}): ${WITHOUT}`);
    return null;
  }
  const cgroups = new BuildCgroups(found.setup);
  const problem = probe(cgroups, config);
  if (problem) {
    logger?.warn(`builds run without a cgroup of their own (${problem}): ${WITHOUT}`);
    return null;
  }
  logger?.info(
    { cgroups: found.setup.hierarchies.map((h) => h.dir) },
    `each build step runs in a cgroup of its own (cgroup ${found.setup.version})`,
  );
  return cgroups;
}

/** Makes a step cgroup with the runner's limits and starts `true` in it; the reason it failed, or null. */
function probe(cgroups: BuildCgroups, config: Config): string | null {
  let step: ReturnType<BuildCgroups["forStep"]> | null = null;
  try {
    step = cgroups.forStep("probe", effectiveLimits(config.runner.limits, undefined));
    const joined = step.wrap({ file: "true", args: [], inputs: {} });
    const result = spawnSync(joined.file, [...joined.args], { encoding: "utf8", timeout: 30_000 });
    if (result.error) return result.error.message;
    return result.status === 0 ? null : result.stderr.trim() || `exit ${result.status}`;
  } catch (error) {
    return (error as Error).message;
  } finally {
    step?.remove();
  }
}
