import { type ArtifactManifest, artifactUrl } from "../../core/artifacts.js";
import type { Build } from "../../core/build.js";
import { formatBytes } from "../../core/format-bytes.js";
import { html, type SafeHtml } from "../html.js";

/**
 * The build page's artifacts: each kept file with its size and a download link, then what matched
 * and was not kept, with why (a symlink, too big). Nothing when the build kept and refused nothing.
 * Paths are the build's own text, escaped like everything else; the links go through artifactUrl,
 * which encodes each segment.
 */
export function renderArtifacts(
  build: Build,
  manifest: ArtifactManifest | null | undefined,
): SafeHtml | string {
  if (!manifest || (manifest.kept.length === 0 && manifest.refused.length === 0 && manifest.note === null)) {
    return "";
  }
  const rows = manifest.kept.map(
    (kept) =>
      html`<tr><td><a href="${artifactUrl(build, kept.path)}" download><code>${kept.path}</code></a></td><td class="num">${formatBytes(kept.size)}</td></tr>`,
  );
  const kept =
    rows.length === 0
      ? html`<p class="muted">No file was kept.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">File</th><th scope="col" class="num">Size</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  const refusals = manifest.refused.map(
    (refused) => html`<li><code>${refused.path}</code> ${refused.reason}</li>`,
  );
  const more = manifest.moreRefused > 0 ? html`<li>and ${manifest.moreRefused} more</li>` : "";
  const notKept =
    refusals.length === 0
      ? ""
      : html`<p class="muted">Matched but not kept:</p><ul class="refused">${refusals}${more}</ul>`;
  const note = manifest.note ? html`<p class="muted">The search ${manifest.note}.</p>` : "";
  return html`<h2 id="artifacts">Artifacts</h2><div id="artifact-list">${kept}${notKept}${note}</div>`;
}
