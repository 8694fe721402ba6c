import { type Build, durationMs, STATUS_WORDS } from "../core/build.js";
import { formatDuration } from "../core/format-reply.js";
import { html, type SafeHtml } from "./html.js";
import { layout } from "./layout.js";

export interface StepLog {
  readonly index: number;
  readonly text: string | null;
}

function time(ms: number | null): string {
  return ms === null
    ? "—"
    : new Date(ms)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, " UTC");
}

function took(start: number | null, end: number | null): string {
  return start !== null && end !== null ? formatDuration(end - start) : "—";
}

/** The build page: header, steps with exit codes and durations, and every step's full output, escaped. */
export function renderBuildPage(build: Build, logs: readonly StepLog[]): string {
  const total = durationMs(build);
  const steps = build.steps.map(
    (step) => html`<tr><td>${step.index + 1}</td><td><code>${step.name}</code></td>
<td class="status ${step.status}">${step.status}</td><td>${step.exitCode ?? "—"}</td><td>${took(step.startedAt, step.finishedAt)}</td></tr>`,
  );
  const outputs = build.steps.map((step) => {
    const log = logs.find((l) => l.index === step.index)?.text;
    return html`<section><h3 id="step-${step.index + 1}">${step.index + 1}. <code>${step.name}</code></h3>
<pre class="log">${log ?? "(no output)"}</pre></section>`;
  });
  const body: SafeHtml = html`<h1>Build #${build.id} <span class="status ${build.status}">${STATUS_WORDS[build.status]}</span></h1>
<dl>
<dt>Repo</dt><dd>${build.repo}</dd>
<dt>Branch</dt><dd><code>${build.branch}</code></dd>
<dt>Commit</dt><dd><code>${build.sha ?? build.requestedRevision ?? "not resolved yet"}</code></dd>
<dt>Requested by</dt><dd>@${build.requester} in ~${build.channelName}</dd>
<dt>Backend</dt><dd>${build.backend}</dd>
<dt>Queued</dt><dd>${time(build.createdAt)}</dd>
<dt>Started</dt><dd>${time(build.startedAt)}</dd>
<dt>Finished</dt><dd>${time(build.finishedAt)}${total === null ? "" : ` (${formatDuration(total)})`}</dd>
${build.failingStep ? html`<dt>Failed at</dt><dd><code>${build.failingStep}</code></dd>` : ""}
${build.reason ? html`<dt>Reason</dt><dd>${build.reason}</dd>` : ""}
${build.rebuildOf ? html`<dt>Rebuild of</dt><dd><a href="/builds/${build.rebuildOf}">#${build.rebuildOf}</a></dd>` : ""}
</dl>
<h2>Steps</h2>
<table><thead><tr><th>#</th><th>Command</th><th>Status</th><th>Exit</th><th>Duration</th></tr></thead>
<tbody>${steps}</tbody></table>
<h2>Output</h2>${outputs}`;
  return layout(`#${build.id} ${build.repo}`, body).value;
}
