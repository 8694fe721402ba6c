import { html, type SafeHtml } from "./html.js";

const STYLE = `
:root { color-scheme: light dark; --ok:#1a7f37; --bad:#cf222e; --warn:#9a6700; --muted:#6e7781; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 70rem; padding: 1rem; }
a { color: #0969da; } header.top { display:flex; gap:1rem; align-items:baseline; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #8884; }
.status { font-weight: 600; } .succeeded { color: var(--ok); } .failed, .timed_out { color: var(--bad); }
.cancelled, .interrupted { color: var(--warn); } .queued, .running, .pending, .skipped { color: var(--muted); }
pre.log { background:#0d1117; color:#e6edf3; padding:.75rem; overflow:auto; white-space:pre-wrap; word-break:break-all; font: 13px/1.4 ui-monospace, monospace; }
dl { display:grid; grid-template-columns: max-content 1fr; gap:.2rem 1rem; } dt { color: var(--muted); }
@media (max-width: 40rem) { .wide { display:none; } }
`;

export function layout(title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · slashbuild</title><style>${STYLE}</style></head>
<body><header class="top"><strong><a href="/">slashbuild</a></strong></header>
<main>${body}</main></body></html>`;
}
