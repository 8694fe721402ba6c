import type { ArtifactManifest } from "../core/artifacts.js";
import { type Build, STATUS_WORDS } from "../core/build.js";
import { renderArtifacts } from "./artifacts/artifacts-view.js";
import type { Viewer } from "./auth/web-auth.js";
import { renderSummary } from "./build-header.js";
import { html, type SafeHtml } from "./html.js";
import { layout } from "./layout.js";
import type { LogLocation } from "./log/find-first-error.js";
import type { Cursor } from "./log/live-log-stream.js";
import type { LogWindow } from "./log/log-window.js";
import { renderLogTools } from "./log-tools.js";
import {
  emptyStepText,
  renderStepHeading,
  renderStepSection,
  renderStepTable,
  stepIsOpen,
} from "./step-views.js";
import { renderTestResults } from "./test-results-view.js";
import type { CommitView } from "./trigger-view.js";

export interface BuildPageView {
  readonly build: Build;
  /** The window shown for each open step (by index); missing = folded, or no output yet. */
  readonly windows: ReadonlyMap<number, LogWindow>;
  readonly viewer: Viewer;
  readonly now: number;
  /** Where the live stream starts; null for a finished build (nothing to follow). */
  readonly live: Cursor | null;
  readonly commit: CommitView;
  /** Where a failed build opens: its first error line (log/find-first-error.ts); its window shows it. */
  readonly opening?: LogLocation | null;
  /** Whether the build's logs carry per-line times. */
  readonly timed: boolean;
  /** A one-line outcome of the last action ("Stop requested."), or an error. */
  readonly notice?: { readonly text: string; readonly error?: boolean };
  /** Where this build's commit is deployed, or where this deploy deploys to (web/deployed-to.ts). */
  readonly deployedTo?: SafeHtml | null;
  /** What the build kept (artifacts/artifacts-view.ts); absent or null = nothing to show. */
  readonly artifacts?: ArtifactManifest | null;
}

/** What a live `build` event carries: the same fragments the page is made of, for this viewer. */
export function describeBuild(build: Build, viewer: Viewer, now: number, commit: CommitView) {
  return {
    status: build.status,
    title: `#${build.id} ${build.repo} ${STATUS_WORDS[build.status]} · slashbuild`,
    summary: renderSummary(build, viewer, now, commit).value,
    steps: renderStepTable(build, now).value,
    sections: build.steps.map((step) => ({
      step: step.index + 1,
      open: stepIsOpen(step),
      heading: renderStepHeading(build, step.index).value,
      empty: emptyStepText(step.status),
      section: renderStepSection(build, step.index).value,
    })),
  };
}

/**
 * `/builds/N`: header, steps, and each step's log, following the build live. A failed build opens
 * on its failed step, scrolled to the first error line (`data-open`); steps that passed are folded.
 */
export function renderBuildPage(view: BuildPageView): string {
  const { build, opening } = view;
  const live = view.live ? `${view.live.step}:${view.live.offset}` : "";
  const failed = build.steps.some((s) => s.status === "failed" || s.status === "timed_out");
  const open = opening ? `L${opening.step}-${opening.line}` : "";
  const body = html`<div id="build" data-build="${build.id}" data-live="${live}" data-open="${open}">
${view.notice ? html`<p class="notice${view.notice.error ? " error" : ""}" role="status">${view.notice.text}</p>` : ""}
<div id="summary">${renderSummary(build, view.viewer, view.now, view.commit)}</div>
${view.deployedTo ?? ""}
<h2>Steps</h2><div id="steps">${renderStepTable(build, view.now)}</div>
${renderArtifacts(build, view.artifacts)}
${renderTestResults(build)}
<h2 id="log">Log</h2>
${renderLogTools(build, view.timed, failed)}
<div id="logs">${build.steps.map((step) =>
    renderStepSection(build, step.index, {
      window: view.windows.get(step.index),
      highlight: opening?.step === step.index + 1 ? opening.line : undefined,
    }),
  )}</div>
</div>`;
  return layout(`#${build.id} ${build.repo} ${STATUS_WORDS[build.status]}`, body, {
    viewer: view.viewer,
    script: true,
  }).value;
}
