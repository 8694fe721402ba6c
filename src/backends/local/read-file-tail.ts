import { open as openFile } from "node:fs/promises";

/**
 * The last `maxBytes` of a file, read with one positioned read: memory and time depend on the
 * bound, never on the file's size (a failing build's log can be hundreds of MB). When the window
 * starts inside the file, its first, partial line is dropped, so no cut line (a half-masked
 * secret, a split UTF-8 character) reaches chat.
 */

export interface FileTail {
  readonly text: string;
  /** True when the text is the whole file; false when earlier bytes were left unread. */
  readonly complete: boolean;
}

/** The part of fs/promises this needs, so a test can count what is read. */
export type OpenFile = (
  file: string,
  flags: "r",
) => Promise<{
  stat(): Promise<{ size: number }>;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}>;

export async function readFileTail(
  file: string,
  maxBytes: number,
  open: OpenFile = openFile,
): Promise<FileTail> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const start = size - length;
    const buffer = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    let bytes = buffer.subarray(0, filled);
    if (start > 0) {
      const newline = bytes.indexOf(0x0a);
      bytes = newline < 0 ? bytes.subarray(bytes.length) : bytes.subarray(newline + 1);
    }
    return { text: bytes.toString("utf8"), complete: start === 0 };
  } finally {
    await handle.close();
  }
}
