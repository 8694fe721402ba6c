import type { Build } from "../../core/build.js";
import type { LogStreamSource } from "./log-stream-source.js";

/** Collects a (small, bounded) byte range into one Buffer. Only for windows, never a whole log. */
export async function readRangeBuffer(
  source: LogStreamSource,
  build: Build,
  step: number,
  start: number,
  end: number,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source.readRange(build, step, start, end)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Moves `pos` back to the start of a UTF-8 character, so a cut never splits one. */
export function utf8Boundary(bytes: Buffer, pos: number): number {
  let at = Math.min(pos, bytes.length);
  // Continuation bytes are 10xxxxxx; a character is at most 4 bytes.
  for (let back = 0; back < 3 && at > 0 && at < bytes.length && ((bytes[at] ?? 0) & 0xc0) === 0x80; back++) {
    at--;
  }
  return at;
}
