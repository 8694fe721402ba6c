import { type Build, durationMs, STATUS_WORDS, shortSha } from "../core/build.js";
import { formatDuration } from "../core/format-duration.js";
import type { Viewer } from "./auth/web-auth.js";
import { html, type SafeHtml } from "./html.js";
import { layout } from "./layout.js";
import { type ListQuery, listUrl } from "./list-query.js";
import { durationText, statusBadge, timeTag } from "./view-helpers.js";

export interface BuildListView {
  readonly builds: readonly Build[];
  /** More (older) builds match beyond this page. */
  readonly more: boolean;
  readonly query: ListQuery;
  readonly repos: readonly string[];
  readonly viewer: Viewer;
  readonly now: number;
}

function row(b: Build, now: number): SafeHtml {
  const total = durationMs(b);
  const took =
    total !== null
      ? formatDuration(total)
      : b.status === "running"
        ? durationText(b.startedAt, null, now)
        : "—";
  return html`<tr>
<td class="nowrap"><a href="/builds/${b.id}">#${b.id}</a></td>
<td>${b.repo}</td>
<td><code>${b.branch}</code></td>
<td class="wide"><code>${shortSha(b.sha)}</code></td>
<td class="wide">@${b.requester}</td>
<td><a href="/builds/${b.id}">${statusBadge(b.status)}</a></td>
<td class="wide nowrap">${timeTag(b.startedAt ?? b.createdAt)}</td>
<td class="num">${took}</td>
</tr>`;
}

function filters(view: BuildListView): SafeHtml {
  const v = view.query.values;
  const option = (value: string, label: string, current: string) =>
    html`<option value="${value}"${value === current ? html` selected` : ""}>${label}</option>`;
  return html`<form class="filters" method="get" action="/" role="search" aria-label="Filter builds">
<label>Repo<select name="repo">${option("", "any", v.repo)}${view.repos.map((r) => option(r, r, v.repo))}</select></label>
<label>Branch<input name="branch" value="${v.branch}" placeholder="any" autocomplete="off"></label>
<label>Status<select name="status">${option("", "any", v.status)}${Object.entries(STATUS_WORDS).map(([key, word]) => option(key, word, v.status))}</select></label>
<label>Requested by<input name="requester" value="${v.requester}" placeholder="anyone" autocomplete="off"></label>
<button type="submit">Filter</button>${Object.values(v).some(Boolean) ? html` <a class="button" href="/">Clear</a>` : ""}
</form>`;
}

/** `/`: builds newest first, filterable, paged by build number (keyset: stable while builds arrive). */
export function renderBuildListPage(view: BuildListView): string {
  const { builds, query } = view;
  const last = builds.at(-1);
  const filtered = Object.values(query.values).some(Boolean);
  const empty = filtered
    ? html`<p>No builds match these filters. <a href="/">Show all builds</a>.</p>`
    : html`<p>No builds yet. Type <code>/build &lt;repo&gt;</code> in Mattermost, or run <code>node bin/slashbuild.js try "/build demo"</code>.</p>`;
  const body = html`<h1>Builds</h1>
${query.problems.map((p) => html`<p class="notice error">${p}</p>`)}
${filters(view)}
${
  builds.length === 0
    ? empty
    : html`<div class="table-wrap"><table><caption class="sr">Builds, newest first</caption><thead><tr><th scope="col">#</th><th scope="col">Repo</th><th scope="col">Branch</th><th scope="col" class="wide">Commit</th>
<th scope="col" class="wide">By</th><th scope="col">Status</th><th scope="col" class="wide">Started</th><th scope="col" class="num">Duration</th></tr></thead>
<tbody>${builds.map((b) => row(b, view.now))}</tbody></table></div>`
}
<nav class="pager" aria-label="Pages">
<span>${query.filter.beforeId !== undefined ? html`<a href="${listUrl(query.values)}">← Newest builds</a>` : ""}</span>
<span>${view.more && last ? html`<a href="${listUrl(query.values, last.id)}" rel="next">Older builds →</a>` : ""}</span>
</nav>`;
  return layout("Builds", body, { viewer: view.viewer }).value;
}
