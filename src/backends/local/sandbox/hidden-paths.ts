import { lstatSync, realpathSync } from "node:fs";
import path from "node:path";

/**
 * bwrap arguments that hide, from every build, what lies under a granted path but is slashbuild's
 * own: `data_dir`, the workspaces (`runner.workspaces_dir`), and the config file's whole directory. Beside a config there are its editor
 * backups (`slashbuild.yaml~`, `.bak`), old env files and the like, readable by slashbuild's
 * user or group: hiding only the file left them to builds. The directory is hidden only when it
 * lies strictly inside a granted path: never `/` or a granted directory itself (`/etc` for a
 * config at `/etc/slashbuild.yaml`), where the file alone is masked. Grants inside a hidden
 * directory are hidden with it. Must come after the grants' own arguments.
 */
export function hiddenPathArgs(
  hidden: {
    readonly dataDir: string;
    readonly workspacesDir?: string | undefined;
    readonly configFile?: string | undefined;
  },
  granted: readonly string[],
): string[] {
  const args: string[] = [];
  const done: string[] = [];
  for (const own of [hidden.dataDir, hidden.workspacesDir]) {
    if (!own) continue;
    const real = realTarget(own) ?? own;
    // Workspaces under data_dir (the default) are hidden with it: bwrap could not even make the
    // mount point inside data_dir's read-only tmpfs.
    if (!within(real, granted) || within(real, done)) continue;
    args.push(...hide(real));
    done.push(real);
  }
  if (hidden.configFile) {
    const file = realTarget(hidden.configFile) ?? hidden.configFile;
    const dir = path.dirname(file);
    if (dir !== path.parse(dir).root && !granted.includes(dir) && within(dir, granted)) {
      args.push(...emptyDir(dir));
    } else if (within(file, granted)) {
      args.push(...hide(file));
    }
  }
  return args;
}

/** An empty directory over a directory, /dev/null over anything else. */
function hide(real: string): string[] {
  return isDirectory(real) ? emptyDir(real) : ["--ro-bind", "/dev/null", real];
}

/** An empty, read-only tmpfs: nothing a build writes there can pass for slashbuild's. */
function emptyDir(dir: string): string[] {
  return ["--tmpfs", dir, "--remount-ro", dir];
}

function isDirectory(file: string): boolean {
  try {
    return lstatSync(file).isDirectory();
  } catch {
    return false;
  }
}

export function realTarget(file: string): string | null {
  try {
    return realpathSync(file);
  } catch {
    return null;
  }
}

export function within(file: string, dirs: readonly string[]): boolean {
  return dirs.some((dir) => file === dir || file.startsWith(dir.endsWith("/") ? dir : `${dir}${path.sep}`));
}
