import { copyFile, mkdir, readdir, stat } from "node:fs/promises";
import path from "node:path";
import picomatch from "picomatch";

/**
 * The artifact collector with its defences off, for the security tests to show each attack
 * working: what a straightforward implementation does. It walks by path and stats through links
 * (so a symlinked folder is entered), resolves a glob without wildcards against the working
 * copy (so `../x` and `/x` are read), and copies by path with copyFile (which follows a symlink and
 * reads whatever a hard link names). Returns the stored files' paths, by artifact path.
 */
export async function naiveCollect(
  workspace: string,
  globs: readonly string[],
  dest: string,
): Promise<Map<string, string>> {
  await mkdir(dest, { recursive: true });
  const kept = new Map<string, string>();
  const keep = async (relative: string, source: string) => {
    const to = path.join(dest, String(kept.size));
    await copyFile(source, to);
    kept.set(relative, to);
  };
  for (const glob of globs) {
    if (!picomatch.scan(glob).isGlob) {
      const source = path.resolve(workspace, glob);
      if ((await stat(source).catch(() => null))?.isFile()) await keep(glob, source);
    }
  }
  const matches = picomatch([...globs]);
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    for (const name of (await readdir(dir)).sort()) {
      const full = path.join(dir, name);
      const relative = prefix ? `${prefix}/${name}` : name;
      const info = await stat(full).catch(() => null);
      if (info?.isDirectory()) await walk(full, relative, depth + 1);
      else if (info?.isFile() && matches(relative) && !kept.has(relative)) await keep(relative, full);
    }
  };
  await walk(workspace, "", 0);
  return kept;
}
