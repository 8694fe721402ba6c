import { type Build, shortSha } from "../core/build.js";
import { httpUrlOrNull } from "../core/http-url.js";
import type { TriggerPart } from "../core/triggers/describe-trigger.js";
import { html, type SafeHtml } from "./html.js";

/** What the page knows of the commit built (commit-view.ts gathers it). */
export interface CommitView {
  readonly sha: string | null;
  readonly title: string | null;
  readonly author: string | null;
  /** Its page on the repo's Git host; null when the host or the repo's name there is not known. */
  readonly url: string | null;
}

function renderPart(part: TriggerPart): SafeHtml | string {
  switch (part.kind) {
    case "text":
      return part.text;
    case "user":
      return html`<strong>@${part.name}</strong>`;
    case "channel":
      return html`<strong>~${part.name}</strong>`;
    case "link":
      return html`<a href="${httpUrlOrNull(part.url) ?? "#"}" rel="noopener">${part.text}</a>`;
    case "build":
      return html`<a href="/builds/${part.id}">#${part.id}</a>`;
  }
}

/** "Typed in ~ci by @alice", "Pushed by Alice (3 commits) · compare", ...: each text part escaped. */
export function renderTrigger(parts: readonly TriggerPart[]): SafeHtml {
  return html`${parts.map(renderPart)}`;
}

/** The short sha (linked to the Git host when known, full sha on hover), the title, the author. */
export function renderCommit(build: Pick<Build, "sha" | "requestedRevision">, commit: CommitView): SafeHtml {
  if (build.sha === null) {
    return build.requestedRevision === null
      ? html`<span class="muted">not resolved yet</span>`
      : html`<code>${build.requestedRevision}</code> <span class="muted">(not resolved yet)</span>`;
  }
  const url = httpUrlOrNull(commit.url);
  const sha = html`<code title="${build.sha}">${shortSha(build.sha)}</code>`;
  return html`${url ? html`<a href="${url}" rel="noopener">${sha}</a>` : sha}${commit.title ? html` <span class="commit-title">${commit.title}</span>` : ""}${commit.author ? html` <span class="muted">by ${commit.author}</span>` : ""}`;
}
