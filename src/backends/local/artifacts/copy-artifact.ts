import { constants } from "node:fs";
import { type FileHandle, open, rm } from "node:fs/promises";
import { formatBytes } from "../../../core/format-bytes.js";
import { ByteMasker } from "./byte-masker.js";
import { inside } from "./walk-workspace.js";

/**
 * Copies one artifact out of the working copy, or says why not. The file is opened by its name in
 * its open parent directory (walk-workspace.ts) with O_NOFOLLOW, so a symlink put in its place is
 * refused, never followed; O_NONBLOCK keeps a FIFO from blocking the open. What was opened is then
 * judged by fstat, which a rename cannot change any more: a regular file, on the working copy's
 * filesystem, with no other hard link (a hard link is the same file under two names, and the other
 * could be outside: with the sandbox a build cannot make one across mounts, but without it, or with
 * a host that allows links to files one does not own, it could name /etc/shadow or data_dir's
 * database). Its size is checked before a byte is read, and the copy stops at that size: a file
 * that grows meanwhile is refused, and a sparse file is judged by the size it claims.
 */

export const FILE_FLAGS =
  constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

const CHUNK_BYTES = 64 * 1024;

export interface CopyRequest {
  readonly parent: FileHandle;
  readonly name: string;
  /** The working copy's device: a file elsewhere (a mount inside it) is not its. */
  readonly device: number;
  /** Largest size still kept: the smaller of the per-file cap and what the build may still keep. */
  readonly maxBytes: number;
  /** Says which cap `maxBytes` is, for the refusal. */
  readonly over: (size: number) => string;
  readonly to: string;
  readonly secrets: readonly string[];
}

/** `size`: bytes stored (masked); `read`: bytes read, what the caps count. */
export type CopyResult =
  | { readonly kept: true; readonly size: number; readonly read: number }
  | { readonly kept: false; readonly reason: string };

export async function copyArtifact(request: CopyRequest): Promise<CopyResult> {
  let source: FileHandle;
  try {
    source = await open(inside(request.parent, request.name), FILE_FLAGS);
  } catch (error) {
    return { kept: false, reason: openFailure(error) };
  }
  try {
    const stat = await source.stat();
    if (!stat.isFile()) return { kept: false, reason: "is not a regular file" };
    if (stat.nlink > 1) {
      return {
        kept: false,
        reason: "has other hard links: it could be a name for a file outside the working copy",
      };
    }
    if (stat.dev !== request.device)
      return { kept: false, reason: "is on another filesystem than the working copy" };
    if (stat.size > request.maxBytes) return { kept: false, reason: request.over(stat.size) };
    return await copyOpen(source, stat.size, request);
  } finally {
    await source.close();
  }
}

async function copyOpen(source: FileHandle, size: number, request: CopyRequest): Promise<CopyResult> {
  const out = await open(request.to, "wx", 0o600);
  const masker = new ByteMasker(request.secrets);
  const buffer = Buffer.alloc(CHUNK_BYTES);
  let read = 0;
  let written = 0;
  try {
    for (;;) {
      // One byte more than it claimed tells a file that grew from one that ended.
      const want = Math.min(CHUNK_BYTES, size - read + 1);
      const { bytesRead } = await source.read(buffer, 0, want, read);
      if (bytesRead === 0) break;
      read += bytesRead;
      if (read > size) {
        await abandon(out, request.to);
        return { kept: false, reason: `grew while it was copied (past ${formatBytes(size)})` };
      }
      written += await writeAll(out, masker.push(buffer.subarray(0, bytesRead)));
    }
    written += await writeAll(out, masker.end());
    await out.close();
    return { kept: true, size: written, read };
  } catch (error) {
    await abandon(out, request.to);
    throw error;
  }
}

async function writeAll(out: FileHandle, bytes: Buffer): Promise<number> {
  for (let done = 0; done < bytes.length; ) {
    done += (await out.write(bytes, done, bytes.length - done)).bytesWritten;
  }
  return bytes.length;
}

async function abandon(out: FileHandle, path: string): Promise<void> {
  await out.close().catch(() => {});
  await rm(path, { force: true });
}

function openFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ELOOP") return "is a symbolic link";
  if (code === "ENOENT") return "was gone when it was copied";
  return `could not be opened (${code ?? String(error)})`;
}
