import { constants } from "node:fs";
import { type FileHandle, open, opendir } from "node:fs/promises";

/**
 * Walks a build's working copy without ever following a link out of it, even while the build (or
 * anything else it left running) changes the tree under the walk. Every directory is opened
 * relative to its parent's open descriptor, never by a path: `/proc/self/fd/<parent>/<name>` is
 * Linux's openat() for Node (the kernel resolves the descriptor's link to the directory it has
 * open, wherever that now is, and looks `name` up there) and O_NOFOLLOW|O_DIRECTORY refuses a
 * name that is a symbolic link or no directory at the moment of opening. So a directory swapped
 * for a symlink after it was listed is refused, not followed; symlinked directories are never
 * entered. Files are opened the same way by the caller (open-artifact.ts).
 */

export type EntryKind = "file" | "directory" | "symlink" | "other";

export interface WalkEntry {
  /** Relative to the working copy, `/`-separated ("dist/app.tar.gz"). */
  readonly path: string;
  readonly kind: EntryKind;
  /** The open directory it is in, and its name there: what open-artifact.ts opens it by. */
  readonly parent: FileHandle;
  readonly name: string;
}

export interface WalkOptions {
  /** Whether a directory (relative path, "" for the top) may hold anything wanted. */
  readonly enter: (path: string) => boolean;
  /** Entries looked at before the walk gives up (a build could make millions). */
  readonly maxEntries: number;
  /** Directories deep; deeper ones are not entered. */
  readonly maxDepth: number;
}

/** How a walk ended, for the manifest's note; null = it saw everything it meant to. */
export interface WalkEnd {
  note: string | null;
}

export const DIRECTORY_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** A name inside an open directory, as a path the kernel resolves from that directory. */
export function inside(parent: FileHandle, name: string): string {
  return `/proc/self/fd/${parent.fd}/${name}`;
}

/**
 * Every entry under `root` (an open directory) in name order, depth first. Directory handles are
 * closed as the walk leaves them, also when the caller stops early.
 */
export async function* walkWorkspace(
  root: FileHandle,
  options: WalkOptions,
  end: WalkEnd,
): AsyncGenerator<WalkEntry> {
  let seen = 0;
  async function* walkDir(dir: FileHandle, prefix: string, depth: number): AsyncGenerator<WalkEntry> {
    const names: { name: string; kind: EntryKind }[] = [];
    for await (const entry of await opendir(`/proc/self/fd/${dir.fd}`)) {
      if (++seen > options.maxEntries) {
        end.note = `stopped looking after ${options.maxEntries} files and folders`;
        break;
      }
      names.push({ name: entry.name, kind: kindOf(entry) });
    }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { name, kind } of names) {
      const path = prefix === "" ? name : `${prefix}/${name}`;
      yield { path, kind, parent: dir, name };
      if (kind !== "directory" || !options.enter(path)) continue;
      if (depth >= options.maxDepth) {
        end.note = `did not look deeper than ${options.maxDepth} folders`;
        continue;
      }
      let child: FileHandle;
      try {
        child = await open(inside(dir, name), DIRECTORY_FLAGS);
      } catch {
        // Replaced by a symlink or a file since it was listed, or removed: not entered.
        continue;
      }
      try {
        yield* walkDir(child, path, depth + 1);
      } finally {
        await child.close();
      }
    }
  }
  yield* walkDir(root, "", 0);
}

function kindOf(entry: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryKind {
  if (entry.isSymbolicLink()) return "symlink";
  if (entry.isDirectory()) return "directory";
  return entry.isFile() ? "file" : "other";
}
