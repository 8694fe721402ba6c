/**
 * The one stylesheet, served from /assets (the Content-Security-Policy allows no inline styles).
 * Light and dark follow the system; status colours always come with an icon and a word, so
 * colour is never the only signal.
 */
export const STYLE_CSS = `
:root { color-scheme: light dark; --fg:#1f2328; --bg:#fff; --muted:#59636e; --line:#d1d9e0; --panel:#f6f8fa;
  --link:#0969da; --ok:#1a7f37; --bad:#cf222e; --warn:#9a6700; --run:#0969da; --focus:#0969da; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --bg:#0d1117; --muted:#9198a1; --line:#3d444d;
  --panel:#151b23; --link:#4493f8; --ok:#3fb950; --bad:#f85149; --warn:#d29922; --run:#4493f8; --focus:#4493f8; } }
* { box-sizing: border-box; } [hidden] { display: none !important; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: var(--fg); background: var(--bg); }
a { color: var(--link); text-decoration: none; } a:hover { text-decoration: underline; }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .25rem .5rem; z-index: 9; }
header.top { display: flex; align-items: center; gap: 1rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top .brand { font-weight: 700; color: var(--fg); } header.top .who { margin-left: auto; display: flex; gap: .5rem; align-items: center; color: var(--muted); }
main { max-width: 76rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.table-wrap { overflow-x: auto; } table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); font-weight: 600; }
tbody tr:hover { background: var(--panel); }
td.num, th.num { text-align: right; white-space: nowrap; } .nowrap { white-space: nowrap; } .muted { color: var(--muted); }
.status { display: inline-flex; align-items: center; gap: .3rem; font-weight: 600; white-space: nowrap; }
.status .icon { display: inline-block; width: 1.1em; text-align: center; }
.s-succeeded { color: var(--ok); } .s-failed, .s-timed_out { color: var(--bad); } .s-cancelled, .s-interrupted { color: var(--warn); }
.s-running { color: var(--run); } .s-queued, .s-pending, .s-skipped { color: var(--muted); }
.s-running .icon { animation: pulse 1.2s ease-in-out infinite; }
@keyframes pulse { 50% { opacity: .3; } } @media (prefers-reduced-motion: reduce) { .s-running .icon { animation: none; } }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; padding: .75rem; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
form.filters label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); gap: .15rem; }
input, select, button, .button { font: inherit; padding: .35rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
button, .button { cursor: pointer; background: var(--panel); font-weight: 600; display: inline-block; }
button:hover, .button:hover { border-color: var(--muted); text-decoration: none; }
button.danger { color: var(--bad); } button.primary { background: var(--link); color: #fff; border-color: var(--link); }
.pager { display: flex; justify-content: space-between; margin-top: 1rem; }
.summary { display: grid; grid-template-columns: 1fr auto; gap: 1rem; align-items: start; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; } .actions form { margin: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.notice { padding: .6rem .8rem; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); margin-bottom: 1rem; }
.notice.error { border-color: var(--bad); }
.log-tools { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
#log-search { display: flex; gap: .35rem; flex: 1 1 16rem; max-width: 32rem; margin: 0; } #log-search input { flex: 1; min-width: 0; }
.log-tools label.times { display: inline-flex; gap: .3rem; align-items: center; }
.hint { margin: .25rem 0; font-size: .85rem; }
#search-results { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin: .5rem 0; max-height: 40vh; overflow: auto; background: var(--panel); }
.search-head { margin: 0 0 .35rem; font-weight: 600; } ol.hits { list-style: none; margin: 0; padding: 0; }
ol.hits a { display: flex; gap: .75rem; padding: .2rem 0; color: var(--fg); } ol.hits a:hover { text-decoration: none; background: var(--bg); }
ol.hits .where { flex: none; color: var(--link); white-space: nowrap; } ol.hits code { white-space: pre-wrap; overflow-wrap: anywhere; min-width: 0; }
mark { background: #d29922; color: #0d1117; border-radius: 2px; }
.commit-title { font-weight: 600; }
details.step { margin: 1rem 0; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
details.step > summary { padding: .5rem .75rem; background: var(--panel); cursor: pointer; list-style: none; display: flex; gap: .5rem; align-items: center; }
details.step > summary::-webkit-details-marker { display: none; }
details.step > summary::before { content: "▸"; color: var(--muted); flex: none; width: 1em; } details.step[open] > summary::before { content: "▾"; }
details.step > summary h3 { margin: 0; font-size: .95rem; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; flex: 1; min-width: 0; }
details.step > summary h3 .links { margin-left: auto; font-weight: 400; font-size: .85rem; display: flex; gap: .75rem; }
.log { background: #0d1117; color: #e6edf3; font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-x: auto; }
.log .more { display: block; width: 100%; border: 0; border-radius: 0; background: #161b22; color: #9198a1; padding: .3rem; font-weight: 400; }
.log .more:hover { color: #e6edf3; }
.lines { margin: 0; padding: .4rem 0; } .lines:empty { display: none; }
.ln { display: flex; } .ln.err { background: #f8514918; box-shadow: inset 3px 0 #f85149; } .ln:target, .ln.hl { background: #bb800940; }
.show-times .ln::before { content: attr(data-tl); flex: none; width: 5.5rem; padding-left: .6rem; color: #6e7681; user-select: none; }
.ln > a { flex: none; width: 4.5rem; padding-right: .75rem; text-align: right; color: #6e7681; user-select: none; }
.ln > span { white-space: pre-wrap; overflow-wrap: anywhere; padding-right: .75rem; min-width: 0; }
.log .empty { color: #6e7681; padding: .4rem .75rem; }
.a-b { font-weight: 700; } .a-d { opacity: .7; } .a-i { font-style: italic; } .a-u { text-decoration: underline; }
.a-f0 { color: #6e7681; } .a-f1 { color: #ff7b72; } .a-f2 { color: #3fb950; } .a-f3 { color: #d29922; } .a-f4 { color: #58a6ff; }
.a-f5 { color: #bc8cff; } .a-f6 { color: #39c5cf; } .a-f7 { color: #d0d7de; } .a-f8 { color: #8b949e; } .a-f9 { color: #ffa198; }
.a-f10 { color: #56d364; } .a-f11 { color: #e3b341; } .a-f12 { color: #79c0ff; } .a-f13 { color: #d2a8ff; } .a-f14 { color: #56d4dd; } .a-f15 { color: #fff; }
.a-g0 { background: #484f58; } .a-g1 { background: #8e1519; } .a-g2 { background: #116329; } .a-g3 { background: #7d4e00; } .a-g4 { background: #0d419d; }
.a-g5 { background: #6e40c9; } .a-g6 { background: #0a5d63; } .a-g7 { background: #6e7681; } .a-g8 { background: #6e7681; } .a-g9 { background: #b62324; }
.a-g10 { background: #1a7f37; } .a-g11 { background: #9a6700; } .a-g12 { background: #1f6feb; } .a-g13 { background: #8957e5; } .a-g14 { background: #1b7c83; } .a-g15 { background: #b1bac4; color: #0d1117; }
form.login { max-width: 22rem; display: flex; flex-direction: column; gap: .75rem; }
form.login label { display: flex; flex-direction: column; gap: .2rem; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.test-count { margin-right: .8rem; white-space: nowrap; } ol.failures { padding-left: 1.4rem; } .failure p { margin: .3rem 0; }
.test-name { overflow-wrap: anywhere; } .test-message { white-space: pre-wrap; overflow-wrap: anywhere; }
.test-output { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 20rem; overflow: auto; background: var(--panel); padding: .5rem; border-radius: 6px; }
.badge.flaky { border: 1px solid var(--warn); color: var(--warn); border-radius: 4px; padding: 0 .3rem; font-size: .85em; }
@media (max-width: 48rem) {
  .wide { display: none; } main { padding: .75rem; } th, td { padding: .4rem .3rem; }
  th { font-size: .7rem; letter-spacing: 0; } td code { overflow-wrap: anywhere; word-break: break-word; }
  .summary { grid-template-columns: 1fr; } .ln > a { width: 3.2rem; padding-right: .5rem; }
  .show-times .ln::before { width: 4.6rem; padding-left: .3rem; } ol.hits a { flex-direction: column; gap: 0; }
  form.filters label { flex: 1 1 40%; } form.filters input, form.filters select { width: 100%; }
}
`;
