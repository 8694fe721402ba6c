import { constants, type Dirent, type Stats } from "node:fs";
import { type FileHandle, lstat, open, opendir, readlink } from "node:fs/promises";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";

/**
 * Reading files a build left in its working copy, from slashbuild's own process (root, or its
 * user), without letting the build point it anywhere else. Every directory is held open and what
 * lies below it is opened through it (`/proc/self/fd/N/name`, which is openat(2)), each name with
 * O_NOFOLLOW: no path is resolved twice, so swapping a directory for a symbolic link between a
 * listing and an open reaches nothing. A file must be a regular file (a FIFO would block the read,
 * a device never end), and its real path, read back from the open descriptor, must lie inside the
 * working copy's. Hard links cannot bring a foreign file in: under bwrap the working copy is a
 * mount of its own (link(2) across mounts fails), and without the sandbox a build runs as
 * slashbuild's user and could read the file anyway.
 */

/** Bytes read at a time: one chunk is one synchronous step of whoever consumes them. */
export const CHUNK_BYTES = 64 * 1024;

const DIRECTORY = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const FILE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/** Why an entry was not opened, said of its path in the working copy. */
export class Refused {
  constructor(readonly why: string) {}
}

/** A directory of the working copy, held open. `relative` is its path in the working copy ("" for the top). */
export class HeldDirectory {
  private constructor(
    readonly handle: FileHandle,
    readonly relative: string,
    readonly root: string,
  ) {}

  /** The working copy itself (slashbuild's own path, trusted up to it). */
  static async top(workspace: string): Promise<HeldDirectory> {
    const handle = await open(workspace, DIRECTORY);
    try {
      return new HeldDirectory(handle, "", await readlink(fdPath(handle)));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** The path below the working copy of an entry of this directory. */
  below(name: string): string {
    return this.relative === "" ? name : `${this.relative}/${name}`;
  }

  /** A subdirectory; a symbolic link or anything else is refused, a missing one is null. */
  async directory(name: string): Promise<HeldDirectory | Refused | null> {
    const opened = await this.#open(name, DIRECTORY);
    if (opened === null || opened instanceof Refused) return opened;
    const real = await this.#inside(opened);
    if (real instanceof Refused) return real;
    return new HeldDirectory(opened, this.below(name), this.root);
  }

  /** A regular file, open, and its stat; a symbolic link, FIFO, device or directory is refused. */
  async file(name: string): Promise<{ readonly handle: FileHandle; readonly stat: Stats } | Refused | null> {
    const opened = await this.#open(name, FILE);
    if (opened === null || opened instanceof Refused) return opened;
    const stat = await opened.stat();
    if (!stat.isFile()) {
      await opened.close();
      return new Refused(`${this.below(name)} is not a regular file`);
    }
    const real = await this.#inside(opened);
    return real instanceof Refused ? real : { handle: opened, stat };
  }

  /** The entries, as read from the held descriptor (never by path). */
  async *entries(): AsyncIterable<Dirent> {
    const dir = await opendir(fdPath(this.handle));
    for await (const entry of dir) yield entry;
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  async #open(name: string, flags: number): Promise<FileHandle | Refused | null> {
    try {
      return await open(path.join(fdPath(this.handle), name), flags);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return null;
      if (code === "ELOOP") return new Refused(`${this.below(name)} is a symbolic link`);
      // O_DIRECTORY meets a link before O_NOFOLLOW does (ENOTDIR): only asked to say which it was.
      if (code === "ENOTDIR")
        return (await this.#isLink(name)) ? new Refused(`${this.below(name)} is a symbolic link`) : null;
      return new Refused(`${this.below(name)} could not be opened (${code ?? "error"})`);
    }
  }

  async #isLink(name: string): Promise<boolean> {
    return (await lstat(path.join(fdPath(this.handle), name)).catch(() => null))?.isSymbolicLink() === true;
  }

  /** Belt and braces: the open descriptor's real path lies inside the working copy. */
  async #inside(handle: FileHandle): Promise<true | Refused> {
    const real = await readlink(fdPath(handle));
    if (real.startsWith(`${this.root}/`)) return true;
    await handle.close();
    return new Refused("an entry outside the working copy was refused");
  }
}

function fdPath(handle: FileHandle): string {
  return `/proc/self/fd/${handle.fd}`;
}

/**
 * The file's text, CHUNK_BYTES at a time (UTF-8), up to `maxBytes`; `read.bytes` says how much was
 * read and `read.cut` whether the file went on past `maxBytes`.
 */
export function readText(
  handle: FileHandle,
  maxBytes: number,
): { readonly chunks: AsyncIterable<string>; readonly read: { bytes: number; cut: boolean } } {
  const read = { bytes: 0, cut: false };
  async function* chunks(): AsyncIterable<string> {
    const decoder = new StringDecoder("utf8");
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const want = Math.min(CHUNK_BYTES, maxBytes - read.bytes);
      if (want <= 0) {
        // One byte more tells a file of exactly maxBytes from a longer one.
        read.cut = (await handle.read(buffer, 0, 1, null)).bytesRead > 0;
        break;
      }
      const { bytesRead } = await handle.read(buffer, 0, want, null);
      if (bytesRead === 0) break;
      read.bytes += bytesRead;
      yield decoder.write(buffer.subarray(0, bytesRead));
    }
    const rest = decoder.end();
    if (rest) yield rest;
  }
  return { chunks: chunks(), read };
}
