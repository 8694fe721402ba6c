import { createSecretMasker, maskText } from "../../core/mask-secrets.js";
import type { CutText } from "./parse-junit.js";

/**
 * Texts from a build's test reports as they are stored: every known secret masked, terminal
 * escapes and control characters gone, and cut at a fixed length. A report is the build's raw
 * output (the step log is masked as it is written; a report file never was), and a text cut short
 * may end inside a secret: such a text keeps only what the stream masker would release at that
 * point (it holds back whatever could still be the start of a secret), so no part of a secret is
 * kept either.
 */

/** Characters a reader keeps of each text for a stored length `cap`: enough to mask what is kept. */
export function captureLength(cap: number, secrets: readonly string[]): number {
  const longest = secrets.reduce((max, secret) => Math.max(max, secret.length), 0);
  return cap + longest + 64;
}

/** The text masked, cleaned and cut at `cap` characters (`…` marks a cut). `oneLine` folds newlines. */
export function storedText(cut: CutText, secrets: readonly string[], cap: number, oneLine = false): string {
  const masked = cut.complete
    ? maskText(cut.text, secrets)
    : // maxLineLength 0: release all but the held-back tail, whatever the lines.
      createSecretMasker(secrets, { maxLineLength: 0 }).push(cut.text);
  const clean = oneLine ? foldLines(plain(masked)) : plain(masked);
  const runes = Array.from(clean);
  if (runes.length > cap) return `${runes.slice(0, cap - 1).join("")}…`;
  return cut.complete ? clean : `${clean}…`;
}

/** Without terminal escapes, carriage-return overwrites or control characters (tabs and newlines stay). */
function plain(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
      .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "")
      .replace(/\r\n/g, "\n")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are noise on a page or in chat
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, "")
  );
}

function foldLines(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
