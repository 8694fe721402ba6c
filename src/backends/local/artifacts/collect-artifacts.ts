import { type FileHandle, mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import picomatch from "picomatch";
import type { ArtifactLimits } from "../../../config/config.js";
import {
  type ArtifactManifest,
  type KeptArtifact,
  MAX_LISTED_REFUSALS,
  type RefusedArtifact,
} from "../../../core/artifacts.js";
import { formatBytes } from "../../../core/format-bytes.js";
import type { ArtifactShelf } from "./artifact-shelf.js";
import { copyArtifact } from "./copy-artifact.js";
import { DIRECTORY_FLAGS, type WalkEnd, walkWorkspace } from "./walk-workspace.js";

/**
 * Keeps a finished build's artifacts: walks its working copy (walk-workspace.ts), matches each
 * path against the repo's globs (picomatch; `*` and `**` skip dot files, as in most CI tools), and
 * copies each regular file that matches onto the shelf (copy-artifact.ts), masked, under the caps.
 * Whatever matches and is not kept (a symlink, a FIFO, a hard link, too big, past the count) is
 * listed with why, so the build page can say so. Files are taken in path order, so which ones a
 * cap leaves out does not depend on timing. Returns null when there is nothing to look at.
 */

export interface CollectOptions {
  readonly workspace: string;
  readonly globs: readonly string[];
  readonly buildId: number;
  readonly shelf: ArtifactShelf;
  readonly limits: ArtifactLimits;
  readonly secrets: readonly string[];
}

/** A walk that looks at more than this gives up (each entry is a system call or two). */
const MAX_ENTRIES = 100_000;
const MAX_DEPTH = 32;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

export async function collectArtifacts(options: CollectOptions): Promise<ArtifactManifest | null> {
  if (options.globs.length === 0) return null;
  let root: FileHandle;
  try {
    root = await open(options.workspace, DIRECTORY_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const dir = options.shelf.dirFor(options.buildId);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const manifest = await keep(root, (await root.stat()).dev, options);
    const file = options.shelf.manifestPath(options.buildId);
    await writeFile(`${file}.tmp`, JSON.stringify(manifest), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    return manifest;
  } finally {
    await root.close();
  }
}

async function keep(root: FileHandle, device: number, options: CollectOptions): Promise<ArtifactManifest> {
  const { limits } = options;
  const matches = picomatch([...options.globs], { dot: false, nonegate: true });
  const kept: KeptArtifact[] = [];
  const refused: RefusedArtifact[] = [];
  let moreRefused = 0;
  const refuse = (path: string, reason: string) => {
    if (refused.length < MAX_LISTED_REFUSALS) refused.push({ path, reason });
    else moreRefused++;
  };
  // What the build's files measured as they were read: masking may change the stored size, and
  // which files fit must not depend on whether a secret was in them.
  let taken = 0;
  const end: WalkEnd = { note: null };
  const walk = walkWorkspace(
    root,
    { enter: enterable(options.globs), maxEntries: MAX_ENTRIES, maxDepth: MAX_DEPTH },
    end,
  );
  for await (const entry of walk) {
    if (entry.kind === "directory" || !matches(entry.path)) continue;
    if (CONTROL.test(entry.path)) refuse(entry.path, "has a control character in its name");
    else if (entry.kind === "symlink") refuse(entry.path, "is a symbolic link: only regular files are kept");
    else if (entry.kind === "other") refuse(entry.path, "is not a regular file");
    else if (kept.length >= limits.maxFiles)
      refuse(entry.path, `is past artifacts.max_files (${limits.maxFiles})`);
    else {
      let result: Awaited<ReturnType<typeof copyArtifact>>;
      try {
        result = await copyArtifact({
          parent: entry.parent,
          name: entry.name,
          device,
          maxBytes: Math.min(limits.maxFileBytes, limits.maxBuildBytes - taken),
          over: (size) => overCap(size, limits),
          to: options.shelf.filePath(options.buildId, kept.length),
          secrets: options.secrets,
        });
      } catch (error) {
        // Writing failed (a full disk): what is kept so far stays, and the page says why it stopped.
        end.note = `could not copy ${entry.path}: ${(error as Error).message}`;
        break;
      }
      if (!result.kept) refuse(entry.path, result.reason);
      else {
        kept.push({ path: entry.path, size: result.size, file: kept.length });
        taken += result.read;
      }
    }
  }
  return { kept, refused, moreRefused, note: end.note };
}

function overCap(size: number, limits: ArtifactLimits): string {
  return size > limits.maxFileBytes
    ? `is ${formatBytes(size)}, over artifacts.max_file_size (${formatBytes(limits.maxFileBytes)})`
    : `is ${formatBytes(size)}, more than the build may still keep under artifacts.max_build_size (${formatBytes(limits.maxBuildBytes)})`;
}

/**
 * Which folders can hold a match: those on the way to, or under, some glob's fixed start (`dist`
 * for `dist/**`). Folders whose name starts with a dot (.git) only when a glob names a dot segment,
 * since `*` and `**` never match one.
 */
function enterable(globs: readonly string[]): (path: string) => boolean {
  const bases = globs.map((glob) => picomatch.scan(glob).base);
  const dotted = globs.some((glob) => /(^|\/)(\.|\[|\{|[@+!?*]\()/.test(glob));
  return (path) => {
    if (!dotted && path.split("/").some((segment) => segment.startsWith("."))) return false;
    return bases.some(
      (base) => base === "" || base === path || base.startsWith(`${path}/`) || path.startsWith(`${base}/`),
    );
  };
}
