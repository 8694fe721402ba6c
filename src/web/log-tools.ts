import type { Build } from "../core/build.js";
import { html, type SafeHtml } from "./html.js";

/** What the search box accepts (log-search-route.ts refuses longer queries). */
export const MAX_QUERY = 200;

/**
 * Above the logs: jump to the first error, search the whole log (not just the lines on the page),
 * and show when each line arrived. Hidden until the page's script runs: each needs it.
 */
export function renderLogTools(build: Build, timed: boolean, failed: boolean): SafeHtml {
  const noTimes =
    build.backend === "buildbot"
      ? "Buildbot's logs carry no per-line times"
      : "this build's logs carry no per-line times";
  return html`<div class="log-tools" id="log-tools" hidden>
<button type="button" id="jump-error"${failed ? html` class="primary"` : ""}>Jump to first error</button>
<form id="log-search" role="search" action="/builds/${build.id}/search" method="get"><label class="sr" for="log-q">Search the whole log</label><input type="search" id="log-q" name="q" placeholder="Search the whole log" maxlength="${MAX_QUERY}" required autocomplete="off"><button type="submit">Find</button></form>
<label class="times"${timed ? "" : html` title="${noTimes}"`}><input type="checkbox" id="show-times"${timed ? "" : html` disabled`}> Times${timed ? "" : html` <span class="muted">(${noTimes})</span>`}</label>
<span id="jump-note" class="muted" role="status"></span></div>
<div id="search-results" hidden aria-live="polite"></div>
<p class="muted hint">Click a line number to link to that line.</p>`;
}
