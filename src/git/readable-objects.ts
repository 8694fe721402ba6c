import { existsSync } from "node:fs";
import { chmod, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * A sandboxed build reads its repo's mirror objects (borrowed by its working copy) as its own
 * unprivileged user. Mirrors are written with core.sharedRepository=SHARED_MODE, whatever
 * slashbuild's umask (the systemd unit's is 0077); a mirror written before that, under a stricter
 * umask, is opened up once. Only the objects: the mirror itself stays inside data_dir (mode
 * 0700), which builds never see.
 */

/** Mirror files get this mode whatever the umask: readable by the build's user. */
export const SHARED_MODE = "0644";

/** Written in a mirror once its objects are readable by builds, so the walk is done once ever. */
export const READABLE_MARKER = "slashbuild-objects-readable";

/** Marks a mirror made with SHARED_MODE from its first object on (nothing to open up later). */
export function markReadable(mirror: string): Promise<void> {
  return writeFile(
    path.join(mirror, READABLE_MARKER),
    `objects readable by builds (core.sharedRepository=${SHARED_MODE})\n`,
  );
}

/** Opens up a mirror's objects unless the marker says it was done: chmod a+rX, links not followed. */
export async function ensureReadableObjects(mirror: string): Promise<void> {
  if (existsSync(path.join(mirror, READABLE_MARKER))) return;
  const objects = path.join(mirror, "objects");
  const entries = await readdir(objects, { recursive: true, withFileTypes: true });
  const paths = [
    objects,
    ...entries.filter((e) => e.isDirectory() || e.isFile()).map((e) => path.join(e.parentPath, e.name)),
  ];
  await Promise.all(
    paths.map(async (file) => {
      const info = await stat(file);
      const mode = info.mode & 0o7777;
      const wanted = mode | (info.isDirectory() ? 0o555 : 0o444);
      if (wanted !== mode) await chmod(file, wanted);
    }),
  );
  await markReadable(mirror);
}
