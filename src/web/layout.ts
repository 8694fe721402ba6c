import { assetPath } from "./assets/assets.js";
import type { Viewer } from "./auth/web-auth.js";
import { html, type SafeHtml } from "./html.js";

export interface LayoutOptions {
  readonly viewer: Viewer;
  /** Adds the live-log script (build pages). */
  readonly script?: boolean;
}

function who(viewer: Viewer): SafeHtml | string {
  if (!viewer.signInEnabled) return "";
  if (viewer.user === null) return html`<span class="who"><a href="/login">Sign in</a></span>`;
  return html`<span class="who">Signed in as <strong>${viewer.user}</strong>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit">Sign out</button></form></span>`;
}

/** The frame of every page: no inline script or style (the CSP forbids both), assets by hashed name. */
export function layout(title: string, body: SafeHtml, options: LayoutOptions): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · slashbuild</title><link rel="stylesheet" href="${assetPath("style.css")}">
<script src="${assetPath("local-times.js")}" defer></script>
${options.script ? html`<script src="${assetPath("build-page.js")}" defer></script>` : ""}</head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/">slashbuild</a><a href="/">Builds</a><a href="/repos">Repos</a>${who(options.viewer)}</header>
<main id="main">${body}</main></body></html>`;
}
