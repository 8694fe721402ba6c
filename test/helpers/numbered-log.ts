import { open } from "node:fs/promises";

/**
 * Writes `mb` MiB of 64-byte numbered lines to `file` (line n: n in 9 digits, a space, `text(n)`
 * padded with x to 53 bytes) without holding them in memory; returns the bytes written.
 */
export async function writeNumberedLog(
  file: string,
  mb: number,
  text: (n: number) => string = () => "",
): Promise<number> {
  const handle = await open(file, "w");
  const line = (n: number) => `${String(n).padStart(9, "0")} ${text(n).padEnd(53, "x")}\n`;
  let written = 0;
  for (let block = 0; block < mb * 16; block++) {
    let chunk = "";
    for (let i = 0; i < 1024; i++) chunk += line(block * 1024 + i + 1);
    await handle.write(chunk);
    written += chunk.length;
  }
  await handle.close();
  return written;
}
