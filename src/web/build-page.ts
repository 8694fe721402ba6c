import { type Build, durationMs, isFinal, STATUS_WORDS, type StepStatus } from "../core/build.js";
import { formatDuration } from "../core/format-duration.js";
import type { Viewer } from "./auth/web-auth.js";
import { html, type SafeHtml } from "./html.js";
import { layout } from "./layout.js";
import { ansiToHtml } from "./log/ansi-to-html.js";
import type { Cursor } from "./log/live-log-stream.js";
import type { LogWindow } from "./log/log-window.js";
import { durationText, statusBadge, timeTag } from "./view-helpers.js";

export interface BuildPageView {
  readonly build: Build;
  /** The window shown for each step (by index); missing = no output yet. */
  readonly windows: ReadonlyMap<number, LogWindow>;
  readonly viewer: Viewer;
  readonly now: number;
  /** Where the live stream starts; null for a finished build (nothing to follow). */
  readonly live: Cursor | null;
  /** A one-line outcome of the last action ("Stop requested."), or an error. */
  readonly notice?: { readonly text: string; readonly error?: boolean };
}

function buildbotLink(build: Build): SafeHtml | string {
  const url = build.external.url;
  return typeof url === "string" && /^https?:\/\//.test(url)
    ? html` · <a href="${url}" rel="noopener">open in Buildbot</a>`
    : "";
}

function actions(build: Build, viewer: Viewer): SafeHtml | string {
  if (!viewer.signInEnabled) return "";
  if (viewer.user === null) {
    return html`<div class="actions"><a class="button" href="/login?next=${`/builds/${build.id}`}">Sign in to stop or rebuild</a></div>`;
  }
  const form = (what: string, label: string, kind: string) =>
    html`<form method="post" action="/builds/${build.id}/${what}"><input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit" class="${kind}">${label}</button></form>`;
  return html`<div class="actions">${isFinal(build.status) ? "" : form("stop", "Stop build", "danger")}${form("rebuild", "Rebuild", "primary")}</div>`;
}

/** The header: status, what was built, by whom, where, when; and the actions this viewer may take. */
export function renderSummary(build: Build, viewer: Viewer, now: number): SafeHtml {
  const total = durationMs(build);
  const running =
    build.status === "running" ? ` (running for ${durationText(build.startedAt, null, now)})` : "";
  return html`<h1><span>Build #${build.id}</span> ${statusBadge(build.status)}</h1>
<div class="summary"><dl class="facts">
<dt>Repo</dt><dd>${build.repo}</dd>
<dt>Branch</dt><dd><code>${build.branch}</code></dd>
<dt>Commit</dt><dd><code>${build.sha ?? build.requestedRevision ?? "not resolved yet"}</code></dd>
<dt>Requested by</dt><dd>@${build.requester} in ~${build.channelName}</dd>
<dt>Backend</dt><dd>${build.backend}${buildbotLink(build)}${build.external.sandbox === "none" ? html` <span class="badge unsandboxed" title="runner.sandbox: none: this build could read slashbuild's secrets">unsandboxed</span>` : ""}${build.external.cgroup === "none" ? html` <span class="badge" title="no cgroup could be had: limits.memory was per process and counted no tmpfs (docs/security.md)">no cgroup</span>` : ""}</dd>
<dt>Queued</dt><dd>${timeTag(build.createdAt)}</dd>
<dt>Started</dt><dd>${timeTag(build.startedAt)}${running}</dd>
<dt>Finished</dt><dd>${timeTag(build.finishedAt)}${total === null ? "" : ` after ${formatDuration(total)}`}</dd>
${build.failingStep ? html`<dt>Failed at</dt><dd><code>${build.failingStep}</code></dd>` : ""}
${build.reason ? html`<dt>Reason</dt><dd>${build.reason}</dd>` : ""}
${build.rebuildOf ? html`<dt>Rebuild of</dt><dd><a href="/builds/${build.rebuildOf}">#${build.rebuildOf}</a></dd>` : ""}
</dl>${actions(build, viewer)}</div>`;
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

/** The rows of a log window: numbered, linkable (`#L<step>-<line>`), ANSI colours as classes. */
function logRows(window: LogWindow): SafeHtml[] {
  const k = window.step + 1;
  return window.lines.map((line, i) => {
    const n = window.firstLine + i;
    return html`<div class="ln" id="L${k}-${n}" data-o="${window.offsets[i]}"><a href="#L${k}-${n}">${n}</a><span>${ansiToHtml(line)}</span></div>`;
  });
}

/** What a step's log says while it has no line: it changes as the build moves (live `build` events). */
function emptyStepText(status: StepStatus | undefined): string {
  if (status === "pending") return "Not started yet.";
  if (status === "skipped") return "Skipped: the build ended before this step.";
  return "No output.";
}

export function renderStepSection(build: Build, index: number, window: LogWindow | undefined): SafeHtml {
  const k = index + 1;
  const w = window ?? { start: 0, end: 0, firstLine: 1, size: 0, partial: false };
  const rows = window ? logRows(window) : [];
  const emptyText = emptyStepText(build.steps[index]?.status);
  return html`<section class="step" id="step-${k}" data-step="${k}" data-start="${w.start}" data-end="${w.end}" data-line="${w.firstLine}" data-size="${w.size}" data-partial="${w.partial ? "1" : "0"}" aria-label="Output of step ${k}">
<h3>${renderStepHeading(build, index)}</h3>
<div class="log"><button type="button" class="more" data-dir="before"${w.start > 0 ? "" : html` hidden`}>Load earlier lines</button>
<div class="lines">${rows}</div><p class="empty"${rows.length > 0 ? html` hidden` : ""}>${emptyText}</p>
<button type="button" class="more" data-dir="after"${w.end < w.size ? "" : html` hidden`}>Load later lines</button></div></section>`;
}

/** What a live `build` event carries: the same fragments the page is made of, for this viewer. */
export function describeBuild(build: Build, viewer: Viewer, now: number) {
  return {
    status: build.status,
    title: `#${build.id} ${build.repo} ${STATUS_WORDS[build.status]} · slashbuild`,
    summary: renderSummary(build, viewer, now).value,
    steps: renderStepTable(build, now).value,
    sections: build.steps.map((step) => ({
      step: step.index + 1,
      heading: renderStepHeading(build, step.index).value,
      empty: emptyStepText(step.status),
      section: renderStepSection(build, step.index, undefined).value,
    })),
  };
}

/** `/builds/N`: header, steps, and a window of each step's log that follows the build live. */
export function renderBuildPage(view: BuildPageView): string {
  const { build } = view;
  const live = view.live ? `${view.live.step}:${view.live.offset}` : "";
  const failed = build.steps.some((s) => s.status === "failed" || s.status === "timed_out");
  const body = html`<div id="build" data-build="${build.id}" data-live="${live}">
${view.notice ? html`<p class="notice${view.notice.error ? " error" : ""}" role="status">${view.notice.text}</p>` : ""}
<div id="summary">${renderSummary(build, view.viewer, view.now)}</div>
<h2>Steps</h2><div id="steps">${renderStepTable(build, view.now)}</div>
<h2 id="log">Log</h2>
<div class="log-tools"><button type="button" id="jump-error"${failed ? html` class="primary"` : ""}>Jump to first error</button><span id="jump-note" class="muted" role="status"></span>
<span class="muted">Click a line number to link to that line.</span></div>
<div id="logs">${build.steps.map((step) => renderStepSection(build, step.index, view.windows.get(step.index)))}</div>
</div>`;
  return layout(`#${build.id} ${build.repo} ${STATUS_WORDS[build.status]}`, body, {
    viewer: view.viewer,
    script: true,
  }).value;
}
