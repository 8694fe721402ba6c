import type { Build } from "../core/build.js";
import type { FailedTest, FlakyTest, TestReport } from "../core/test-report.js";
import { html, type SafeHtml } from "./html.js";

/**
 * The build page's Tests section (issue 21): what the build's JUnit reports said. The counts, each
 * failed test with its message and the start of its output, linked to the line of its step's log
 * that names it (or to the step when no line does), the flaky tests with the build they failed in,
 * and what was not read. Nothing when the build read no report. Every text is the build's,
 * masked when it was stored, and escaped here by `html`.
 */
export function renderTestResults(build: Build): SafeHtml | string {
  const report = build.tests;
  if (!report) return "";
  return html`<h2 id="tests">Tests</h2>
<section class="tests" aria-label="Test results">
<p class="test-counts">${counts(report)} <span class="muted">from ${report.files} ${report.files === 1 ? "report" : "reports"}</span></p>
${report.failures.length > 0 ? html`<ol class="failures">${report.failures.map((failure) => failedTest(build, failure))}</ol>` : ""}
${report.failed > report.failures.length ? html`<p class="muted">${report.failed - report.failures.length} more failed tests are counted but not shown (runner.test_reports.max_failures).</p>` : ""}
${report.flaky.length > 0 ? flakyTests(report.flaky) : ""}
${report.notes.length > 0 ? html`<ul class="test-notes muted">${report.notes.map((note) => html`<li>${note}</li>`)}</ul>` : ""}
</section>`;
}

/** Colour, icon and word, as the status badges: the icon and word carry the meaning without colour. */
function counts(report: TestReport): SafeHtml {
  const part = (n: number, status: string, icon: string, word: string) =>
    html`<span class="test-count s-${status}"><span class="icon" aria-hidden="true">${icon}</span> <b>${n}</b> ${word}</span>`;
  return html`${part(report.passed, "succeeded", "✔", "passed")} ${part(report.failed, "failed", "✖", "failed")} ${part(report.skipped, "skipped", "–", "skipped")}`;
}

function failedTest(build: Build, failure: FailedTest): SafeHtml {
  const k = failure.step + 1;
  const where =
    failure.line === null
      ? html`<a href="#step-${k}">output of step ${k}</a>`
      : html`<a href="#L${k}-${failure.line}">step ${k}, line ${failure.line}</a>`;
  const stepName = build.steps[failure.step]?.name;
  return html`<li class="failure"><p><code class="test-name">${failure.name}</code>${failure.classname ? html` <span class="muted">${failure.classname}</span>` : ""} · ${where}${stepName ? html` <span class="muted">(<code>${stepName}</code>)</span>` : ""}</p>
${failure.message ? html`<p class="test-message">${failure.message}</p>` : ""}
${failure.output ? html`<details><summary>Output</summary><pre class="test-output">${failure.output}</pre></details>` : ""}</li>`;
}

function flakyTests(flaky: readonly FlakyTest[]): SafeHtml {
  const items = flaky.map(
    (test) =>
      html`<li><span class="badge flaky">flaky</span> <code class="test-name">${test.name}</code>${test.classname ? html` <span class="muted">${test.classname}</span>` : ""}: passed here, failed in <a href="/builds/${test.failedIn}">#${test.failedIn}</a> on the same commit</li>`,
  );
  return html`<h3>Flaky</h3><ul class="flaky">${items}</ul>`;
}
