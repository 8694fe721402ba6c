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

/** A time people read (UTC, to the second), machine-readable in `datetime`. */
export function timeTag(ms: number | null): SafeHtml {
  if (ms === null) return html`<span class="muted">—</span>`;
  const iso = isoTime(ms);
  return html`<time datetime="${iso}">${iso.replace("T", " ").replace(/\.\d+Z$/, " UTC")}</time>`;
}

/** How long something took, or has been taking (`now` for the unfinished). */
export function durationText(start: number | null, end: number | null, now?: number): string {
  if (start === null) return "—";
  const stop = end ?? now;
  return stop === undefined ? "—" : formatDuration(Math.max(0, stop - start));
}
