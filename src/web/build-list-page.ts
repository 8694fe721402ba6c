import { type Build, STATUS_WORDS } from "../core/build.js";
import type { Viewer } from "./auth/web-auth.js";
import { buildTable } from "./build-table.js";
import { html, type SafeHtml } from "./html.js";
import { layout } from "./layout.js";
import { type ListQuery, listUrl } from "./list-query.js";

export interface BuildListView {
  readonly builds: readonly Build[];
  /** More (older) builds match beyond this page. */
  readonly more: boolean;
  readonly query: ListQuery;
  readonly repos: readonly string[];
  readonly viewer: Viewer;
  readonly now: number;
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
${builds.length === 0 ? empty : buildTable(builds, view.now, "Builds, newest first")}
<nav class="pager" aria-label="Pages">
<span>${query.filter.beforeId !== undefined ? html`<a href="${listUrl(query.values)}">← Newest builds</a>` : ""}</span>
<span>${view.more && last ? html`<a href="${listUrl(query.values, last.id)}" rel="next">Older builds →</a>` : ""}</span>
</nav>`;
  return layout("Builds", body, { viewer: view.viewer }).value;
}
