import { lstatSync } from "node:fs";
import path from "node:path";

/**
 * bwrap creates the missing parent folders of a bind's destination itself, with mode 0700 and
 * owned by whoever sets the sandbox up: as root, the build's uid then cannot reach a grant such as
 * `writable_paths: [/srv/ci/cache]`. These arguments create those parents first, each with the mode
 * its host folder has, so a granted path is reachable in the sandbox exactly as on the host
 * (docs/configuration.md, runner.read_only_paths and writable_paths).
 *
 * `bound`: folders bound from the host before the grant (system folders, earlier grants): they and
 * everything under them are there already. `fresh`: the sandbox's own empty mounts (/tmp, HOME):
 * they are there, what lies under them is not. Walking stops at a host parent that is missing or
 * not a plain folder (a symlink): bwrap then does what it always did.
 */
export function grantParentArgs(grant: string, bound: readonly string[], fresh: readonly string[]): string[] {
  const args: string[] = [];
  for (const parent of ancestors(grant)) {
    if (fresh.includes(parent) || bound.some((dir) => parent === dir || parent.startsWith(`${dir}/`)))
      continue;
    const stat = lstatOrNull(parent);
    if (!stat?.isDirectory()) break;
    args.push("--perms", (stat.mode & 0o7777).toString(8).padStart(4, "0"), "--dir", parent);
  }
  return args;
}

/** `/srv/ci/cache` → `/srv`, `/srv/ci`: outermost first, without `/` and the path itself. */
function ancestors(file: string): string[] {
  const out: string[] = [];
  for (let dir = path.dirname(path.resolve(file)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    out.unshift(dir);
  }
  return out;
}

function lstatOrNull(file: string) {
  try {
    return lstatSync(file);
  } catch {
    return null;
  }
}
