import { type Build, STATUS_WORDS, shortSha } from "../core/build.js";
import { html } from "./html.js";
import { layout } from "./layout.js";

/** The newest builds, each linking to its page. */
export function renderBuildListPage(builds: readonly Build[]): string {
  const rows = builds.map(
    (
      b,
    ) => html`<tr><td><a href="/builds/${b.id}">#${b.id}</a></td><td>${b.repo}</td><td><code>${b.branch}</code></td>
<td class="wide"><code>${shortSha(b.sha)}</code></td><td>@${b.requester}</td><td class="status ${b.status}">${STATUS_WORDS[b.status]}</td></tr>`,
  );
  const body = html`<h1>Builds</h1>${
    builds.length === 0
      ? html`<p>No builds yet. Type <code>/build &lt;repo&gt;</code> in Mattermost, or run <code>npx slashbuild try "/build demo"</code>.</p>`
      : html`<table><thead><tr><th>#</th><th>Repo</th><th>Branch</th><th class="wide">Commit</th><th>By</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table>`
  }`;
  return layout("Builds", body).value;
}
