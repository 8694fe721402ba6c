import { type BuildStatus, STATUS_WORDS, type StepStatus } from "../core/build.js";
import { formatDuration } from "../core/format-duration.js";
import { html, type SafeHtml } from "./html.js";

/** Colour, icon and word together: the icon and word carry the meaning for those who cannot see colour. */
const ICONS: Readonly<Record<BuildStatus | StepStatus, string>> = {
  queued: "◷",
  pending: "○",
  running: "●",
  succeeded: "✔",
  failed: "✖",
  cancelled: "■",
  timed_out: "⧗",
  interrupted: "⚠",
  skipped: "–",
};

export function statusBadge(status: BuildStatus | StepStatus): SafeHtml {
  const word = status in STATUS_WORDS ? STATUS_WORDS[status as BuildStatus] : status.replace("_", " ");
  return html`<span class="status s-${status}"><span class="icon" aria-hidden="true">${ICONS[status]}</span>${word}</span>`;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A time, machine-readable in `datetime`. Shown in UTC to the second; in a browser with scripts,
 * assets/local-times-script.ts rewrites it as "3 minutes ago" with the exact time in the viewer's
 * own time zone on hover.
 */
export function timeTag(ms: number | null): SafeHtml {
  if (ms === null) return html`<span class="muted">—</span>`;
  const iso = isoTime(ms);
  const utc = iso.replace("T", " ").replace(/\.\d+Z$/, " UTC");
  return html`<time datetime="${iso}" title="${utc}">${utc}</time>`;
}

/** How long something took, or has been taking (`now` for the unfinished). */
export function durationText(start: number | null, end: number | null, now?: number): string {
  if (start === null) return "—";
  const stop = end ?? now;
  return stop === undefined ? "—" : formatDuration(Math.max(0, stop - start));
}
