import { ansiToHtml } from "./ansi-to-html.js";
import { isErrorLine } from "./find-first-error.js";
import type { LogWindow } from "./log-window.js";

/**
 * A window's lines as the page's script takes them, from a `/lines` answer or a live `log` event:
 * each line's HTML (escaped first, ANSI colours as classes), its byte offset, which lines look
 * like errors (marked as they arrive, as on the page), and when they arrived (`ts`, aligned with the
 * lines, 0 = same second as the line before; null when the log has no per-line times).
 */
export function windowLines(window: LogWindow) {
  const err: number[] = [];
  window.lines.forEach((line, i) => {
    if (isErrorLine(line)) err.push(i);
  });
  return {
    offs: window.offsets,
    html: window.lines.map((line) => ansiToHtml(line).value),
    err,
    ts: window.times,
  };
}
