import { type Build, isFinal, type Step, type StepStatus } from "../core/build.js";
import { html, type SafeHtml } from "./html.js";
import { ansiToHtml } from "./log/ansi-to-html.js";
import { isErrorLine } from "./log/find-first-error.js";
import type { LogWindow } from "./log/log-window.js";
import { durationText, statusBadge } from "./view-helpers.js";

/**
 * The steps: a table (status, exit code, duration), then each step's log as a foldable section.
 * What needs attention is open (a failed, timed-out, stopped or running step); a step that passed,
 * or never ran, is folded, and a folded step's log is loaded only when someone opens it.
 */
export function stepIsOpen(step: Step | undefined): boolean {
  return (
    step?.status === "running" ||
    step?.status === "failed" ||
    step?.status === "timed_out" ||
    step?.status === "cancelled"
  );
}

export function renderStepTable(build: Build, now: number): SafeHtml {
  if (build.steps.length === 0) {
    return html`<p class="muted">${isFinal(build.status) ? "This build ran no commands." : "The commands are listed once the build starts."}</p>`;
  }
  const rows = build.steps.map(
    (
      step,
    ) => html`<tr><td class="num">${step.index + 1}</td><td><a href="#step-${step.index + 1}"><code>${step.name}</code></a></td>
<td>${statusBadge(step.status)}</td><td class="num wide">${step.exitCode ?? "—"}</td>
<td class="num">${durationText(step.startedAt, step.finishedAt, step.status === "running" ? now : undefined)}</td></tr>`,
  );
  return html`<table><thead><tr><th scope="col" class="num">#</th><th scope="col">Command</th><th scope="col">Status</th>
<th scope="col" class="num wide">Exit</th><th scope="col" class="num">Duration</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderStepHeading(build: Build, index: number): SafeHtml {
  const step = build.steps[index];
  const k = index + 1;
  if (!step) return html`${k}.`;
  return html`<span>${k}. <code>${step.name}</code></span> ${statusBadge(step.status)}
<span class="links"><a href="/builds/${build.id}/steps/${k}/raw">Raw</a><a href="/builds/${build.id}/steps/${k}/raw?download=1" download>Download</a></span>`;
}

/**
 * The rows of a log window: numbered and linkable (`#L<step>-<line>`), ANSI colours as classes,
 * error-looking lines marked (`err`), `hl` on the line the page opens on, and where the time of
 * arrival changes, that time (`data-t`, epoch ms) for the page's "Times" switch.
 */
export function logRows(window: LogWindow, highlight?: number): SafeHtml[] {
  const k = window.step + 1;
  return window.lines.map((line, i) => {
    const n = window.firstLine + i;
    const classes = `ln${isErrorLine(line) ? " err" : ""}${n === highlight ? " hl" : ""}`;
    const time = window.times?.[i];
    return html`<div class="${classes}" id="L${k}-${n}" data-o="${window.offsets[i]}"${time ? html` data-t="${time}"` : ""}><a href="#L${k}-${n}">${n}</a><span>${ansiToHtml(line)}</span></div>`;
  });
}

/** What a step's log says while it has no line: it changes as the build moves (live `build` events). */
export function emptyStepText(status: StepStatus | undefined): string {
  if (status === "pending") return "Not started yet.";
  if (status === "skipped") return "Skipped: the build ended before this step.";
  return "No output.";
}

export interface SectionOptions {
  readonly window?: LogWindow | undefined;
  /** The line to mark as the one the page opens on. */
  readonly highlight?: number | undefined;
}

export function renderStepSection(build: Build, index: number, options: SectionOptions = {}): SafeHtml {
  const { window } = options;
  const k = index + 1;
  const step = build.steps[index];
  const open = stepIsOpen(step);
  const w = window ?? { start: 0, end: 0, firstLine: 1, size: 0, partial: false };
  const rows = window ? logRows(window, options.highlight) : [];
  // A folded step with output to show: the page's script loads it when the step is opened.
  const lazy =
    !window && !open && step !== undefined && step.status !== "pending" && step.status !== "skipped";
  const empty = lazy
    ? html`Its output loads when the step is opened (or see the <a href="/builds/${build.id}/steps/${k}/raw">raw log</a>).`
    : emptyStepText(step?.status);
  return html`<details class="step" id="step-${k}" data-step="${k}" data-start="${w.start}" data-end="${w.end}" data-line="${w.firstLine}" data-size="${w.size}" data-partial="${w.partial ? "1" : "0"}" data-lazy="${lazy ? "1" : "0"}"${open ? html` open` : ""}>
<summary><h3>${renderStepHeading(build, index)}</h3></summary>
<div class="log" role="region" aria-label="Output of step ${k}"><button type="button" class="more" data-dir="before"${w.start > 0 ? "" : html` hidden`}>Load earlier lines</button>
<div class="lines">${rows}</div><p class="empty"${rows.length > 0 ? html` hidden` : ""}>${empty}</p>
<button type="button" class="more" data-dir="after"${w.end < w.size ? "" : html` hidden`}>Load later lines</button></div></details>`;
}
