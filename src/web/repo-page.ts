import type { RepoConfig } from "../config/config.js";
import type { Build } from "../core/build.js";
import type { BranchHead } from "../core/ports.js";
import type { Viewer } from "./auth/web-auth.js";
import { buildTable } from "./build-table.js";
import { html, type SafeHtml } from "./html.js";
import { layout } from "./layout.js";
import { listUrl } from "./list-query.js";
import { statusBadge, timeTag } from "./view-helpers.js";

export interface RepoPageView {
  readonly repo: RepoConfig;
  /** The default branch first (when it was ever built), then the others by their latest verdict, newest first. */
  readonly branches: readonly BranchHead[];
  /** The first page of branches, when this is a later one; the next page, when there is one. */
  readonly newerUrl: string | null;
  readonly olderUrl: string | null;
  readonly recent: readonly Build[];
  readonly publicUrl: string;
  readonly viewer: Viewer;
  readonly now: number;
}

const branchesUrl = (repo: string, branch: string) => listUrl({ repo, branch, status: "", requester: "" });

function verdictCell(head: BranchHead): SafeHtml {
  const v = head.verdict;
  if (v === null) return html`<span class="muted">none yet</span>`;
  return html`<a href="/builds/${v.id}">${statusBadge(v.status)}</a> <a class="muted" href="/builds/${v.id}">#${v.id}</a>`;
}

/** The newest build when it is not the verdict's: running, queued, or ended without a verdict. */
function latestCell(head: BranchHead): SafeHtml | string {
  const l = head.latest;
  if (head.verdict?.id === l.id) return "";
  return html`<a href="/builds/${l.id}">#${l.id}</a> ${statusBadge(l.status)}`;
}

function branchRow(head: BranchHead, repo: RepoConfig): SafeHtml {
  const l = head.latest;
  return html`<tr>
<td><a href="${branchesUrl(repo.name, head.branch)}"><code>${head.branch}</code></a>${head.branch === repo.defaultBranch ? html` <span class="muted">default</span>` : ""}</td>
<td>${verdictCell(head)}</td>
<td>${latestCell(head)}</td>
<td class="wide nowrap">${timeTag(l.finishedAt ?? l.startedAt ?? l.createdAt)}</td>
<td class="wide">@${l.requester}</td>
</tr>`;
}

function badgeSnippet(view: RepoPageView): SafeHtml | string {
  if (view.repo.publicBadge !== true) return "";
  // Each segment encoded (a branch may hold `#` or `?`), the slashes kept: the route takes them.
  const branch = view.repo.defaultBranch.split("/").map(encodeURIComponent).join("/");
  const url = `${view.publicUrl}/badge/${encodeURIComponent(view.repo.name)}/${branch}.svg`;
  return html`<dt>Badge</dt><dd><img src="/badge/${encodeURIComponent(view.repo.name)}/${branch}.svg" alt="build status of ${view.repo.defaultBranch}" height="20"><br><code>![build](${url})</code></dd>`;
}

/** `/repos/<name>`: the repo's branches with their latest verdicts, and its last builds. */
export function renderRepoPage(view: RepoPageView): string {
  const { repo } = view;
  const branches =
    view.branches.length === 0
      ? view.newerUrl
        ? html`<p>No older branches.</p>`
        : html`<p>No branch of ${repo.name} has been built yet. Type <code>/build ${repo.name}</code> in Mattermost.</p>`
      : html`<div class="table-wrap"><table><caption class="sr">Branches of ${repo.name}, default first, then by latest verdict, newest first</caption>
<thead><tr><th scope="col">Branch</th><th scope="col">Latest verdict</th><th scope="col">Newer build</th><th scope="col" class="wide">Last activity</th><th scope="col" class="wide">By</th></tr></thead>
<tbody>${view.branches.map((head) => branchRow(head, repo))}</tbody></table></div>
<nav class="pager" aria-label="Pages of branches">
<span>${view.newerUrl ? html`<a href="${view.newerUrl}">← Newest verdicts</a>` : ""}</span>
<span>${view.olderUrl ? html`<a href="${view.olderUrl}" rel="next">Older branches →</a>` : ""}</span>
</nav>`;
  const body = html`<h1>${repo.name}</h1>
<dl class="facts"><dt>Default branch</dt><dd><code>${repo.defaultBranch}</code></dd><dt>Backend</dt><dd>${repo.backend}</dd>${badgeSnippet(view)}</dl>
<h2>Branches</h2>
${branches}
<h2>Last builds</h2>
${view.recent.length === 0 ? html`<p>No builds yet.</p>` : buildTable(view.recent, view.now, `Last builds of ${repo.name}, newest first`)}
<p><a href="${listUrl({ repo: repo.name, branch: "", status: "", requester: "" })}">All builds of ${repo.name} →</a></p>`;
  return layout(repo.name, body, { viewer: view.viewer }).value;
}

export interface RepoIndexEntry {
  readonly repo: RepoConfig;
  /** The default branch's head, when it was ever built. */
  readonly head: BranchHead | undefined;
}

/** `/repos`: every configured repo with its default branch's latest verdict. */
export function renderRepoIndex(entries: readonly RepoIndexEntry[], viewer: Viewer): string {
  const rows = entries.map(
    ({ repo, head }) => html`<tr>
<td><a href="/repos/${encodeURIComponent(repo.name)}">${repo.name}</a></td>
<td><code>${repo.defaultBranch}</code></td>
<td>${head ? verdictCell(head) : html`<span class="muted">never built</span>`}</td>
<td class="wide">${repo.backend}</td>
</tr>`,
  );
  const body = html`<h1>Repos</h1>
<div class="table-wrap"><table><caption class="sr">Repos and their default branch's latest verdict</caption>
<thead><tr><th scope="col">Repo</th><th scope="col">Default branch</th><th scope="col">Latest verdict</th><th scope="col" class="wide">Backend</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
  return layout("Repos", body, { viewer }).value;
}
