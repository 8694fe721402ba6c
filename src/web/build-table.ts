import { type Build, durationMs, shortSha } from "../core/build.js";
import { formatDuration } from "../core/format-duration.js";
import { html, type SafeHtml } from "./html.js";
import { durationText, statusBadge, timeTag } from "./view-helpers.js";

/** How the build started, in a few words: a rebuild, a push, a pull request, a schedule, or typed (and where). */
export function triggerText(build: Build): SafeHtml {
  if (build.rebuildOf !== null)
    return html`rebuild of <a href="/builds/${build.rebuildOf}">#${build.rebuildOf}</a>`;
  const t = build.trigger;
  if (t?.kind === "push") return html`${t.tag ? "tag push" : "push"}`;
  if (t?.kind === "pull_request") return html`${t.noun} ${t.reference}`;
  if (t?.kind === "schedule") return html`<span title="${t.name}">schedule</span>`;
  return html`typed in ~${build.channelName}`;
}

/** Finished: how long it took; running: so far; queued: nothing yet. */
function took(build: Build, now: number): string {
  const total = durationMs(build);
  if (total !== null) return formatDuration(total);
  return build.status === "running" ? durationText(build.startedAt, null, now) : "—";
}

function row(b: Build, now: number): SafeHtml {
  return html`<tr>
<td class="nowrap"><a href="/builds/${b.id}">#${b.id}</a></td>
<td><a href="/repos/${encodeURIComponent(b.repo)}">${b.repo}</a></td>
<td><code>${b.branch}</code></td>
<td class="wide"><code>${shortSha(b.sha)}</code></td>
<td class="wide">${triggerText(b)}</td>
<td class="wide">@${b.requester}</td>
<td class="wide">${b.backend}</td>
<td><a href="/builds/${b.id}">${statusBadge(b.status)}</a></td>
<td class="wide nowrap">${timeTag(b.startedAt ?? b.createdAt)}</td>
<td class="num">${took(b, now)}</td>
</tr>`;
}

/**
 * Builds as a table, newest first: the list page and each repo's page. On a phone the number, repo,
 * branch, status and duration stay; commit, trigger, requester, backend and start time fold away.
 */
export function buildTable(builds: readonly Build[], now: number, caption: string): SafeHtml {
  return html`<div class="table-wrap"><table><caption class="sr">${caption}</caption><thead><tr><th scope="col">#</th><th scope="col">Repo</th><th scope="col">Branch</th><th scope="col" class="wide">Commit</th>
<th scope="col" class="wide">Trigger</th><th scope="col" class="wide">By</th><th scope="col" class="wide">Backend</th><th scope="col">Status</th><th scope="col" class="wide">Started</th><th scope="col" class="num">Duration</th></tr></thead>
<tbody>${builds.map((b) => row(b, now))}</tbody></table></div>`;
}
