import { backendPageLink } from "../core/backend-link.js";
import { type Build, durationMs, isDeployBuild, isFinal } from "../core/build.js";
import { formatDuration } from "../core/format-duration.js";
import { describeTrigger } from "../core/triggers/describe-trigger.js";
import type { Viewer } from "./auth/web-auth.js";
import { html, type SafeHtml } from "./html.js";
import { type CommitView, renderCommit, renderTrigger } from "./trigger-view.js";
import { durationText, statusBadge, timeTag } from "./view-helpers.js";

function backendFacts(build: Build): SafeHtml {
  const link = backendPageLink(build);
  return html`${build.backend}${link ? html` · <a href="${link}" rel="noopener">open in Buildbot</a>` : ""}${build.external.sandbox === "none" ? html` <span class="badge unsandboxed" title="runner.sandbox: none: this build could read slashbuild's secrets">unsandboxed</span>` : ""}${build.external.cgroup === "none" ? html` <span class="badge" title="no cgroup could be had: limits.memory was per process and counted no tmpfs (docs/security.md)">no cgroup</span>` : ""}`;
}

function actions(build: Build, viewer: Viewer): SafeHtml | string {
  if (!viewer.signInEnabled) return "";
  if (viewer.user === null) {
    return html`<div class="actions"><a class="button" href="/login?next=${`/builds/${build.id}`}">Sign in to stop or rebuild</a></div>`;
  }
  const form = (what: string, label: string, kind: string) =>
    html`<form method="post" action="/builds/${build.id}/${what}"><input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit" class="${kind}">${label}</button></form>`;
  // A deploy is deployed again with /build deploy (approvals and all), never rebuilt.
  const rebuild = isDeployBuild(build) ? "" : form("rebuild", "Rebuild", "primary");
  return html`<div class="actions">${isFinal(build.status) ? "" : form("stop", "Stop build", "danger")}${rebuild}</div>`;
}

/**
 * The header: status, the commit (title, author, link to its Git host), what started the build, the
 * backend, when (relative in a browser, see view-helpers' timeTag), and the actions this viewer may
 * take. The live stream sends it again whenever the build changes.
 */
export function renderSummary(build: Build, viewer: Viewer, now: number, commit: CommitView): SafeHtml {
  const total = durationMs(build);
  const running =
    build.status === "running" ? ` (running for ${durationText(build.startedAt, null, now)})` : "";
  return html`<h1><span>Build #${build.id}</span> ${statusBadge(build.status)}</h1>
<div class="summary"><dl class="facts">
<dt>Commit</dt><dd class="commit">${renderCommit(build, commit)}</dd>
<dt>Repo</dt><dd>${build.repo} · <code>${build.branch}</code></dd>
<dt>Trigger</dt><dd class="trigger">${renderTrigger(describeTrigger(build))}</dd>
<dt>Backend</dt><dd>${backendFacts(build)}</dd>
<dt>Queued</dt><dd>${timeTag(build.createdAt)}</dd>
<dt>Started</dt><dd>${timeTag(build.startedAt)}${running}</dd>
<dt>Finished</dt><dd>${timeTag(build.finishedAt)}${total === null ? "" : `, took ${formatDuration(total)}`}</dd>
${build.failingStep ? html`<dt>Failed at</dt><dd><code>${build.failingStep}</code></dd>` : ""}
${build.reason ? html`<dt>Reason</dt><dd>${build.reason}</dd>` : ""}
</dl>${actions(build, viewer)}</div>`;
}
