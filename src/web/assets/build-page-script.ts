import { LINE_TIMES_JS } from "./line-times-script.js";
import { LOG_SEARCH_JS } from "./log-search-script.js";

/**
 * The build page's script, served from /assets as a file (the CSP allows no inline script). It is
 * plain browser JavaScript kept in strings because tsc copies only .ts into dist/: this way the
 * asset ships with the compiled service and needs no build step. The browser tests exercise it.
 *
 * This part is the log view: it follows the live log over SSE (appending only a chunk whose start
 * is exactly the window's end, so a replay can never duplicate and a gap is never papered over),
 * keeps at most MAX_LINES rows in the DOM while following, pages earlier and later windows, loads
 * a folded step's log when it is opened, opens on the line a failed build's page names (or a
 * linked one), jumps to the first error, marks error lines, and swaps in the server-rendered header
 * when the build changes. The search box (log-search-script.ts) and the times switch
 * (line-times-script.ts) run in the same scope and use its functions. Line HTML comes from the
 * server's escape-first ANSI converter; text it inserts itself uses textContent.
 */
const LOG_VIEW_JS = `
  var root = document.getElementById("build");
  if (!root) return;
  var buildId = root.dataset.build;
  var MAX_LINES = 5000;

  function section(step) { return document.getElementById("step-" + step); }
  function num(sec, key) { return Number(sec.dataset[key] || 0); }
  function box(sec) { return sec.querySelector(".lines"); }
  function atBottom() { return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 48; }

  function makeLine(step, n, offset, markup, err, t) {
    var row = document.createElement("div");
    row.className = err ? "ln err" : "ln";
    row.id = "L" + step + "-" + n;
    row.dataset.o = String(offset);
    if (t) stampRow(row, t);
    var link = document.createElement("a");
    link.href = "#" + row.id;
    link.textContent = String(n);
    var text = document.createElement("span");
    text.innerHTML = markup;
    row.appendChild(link);
    row.appendChild(text);
    return row;
  }

  function updateMore(sec) {
    var before = sec.querySelector(".more[data-dir=before]");
    var after = sec.querySelector(".more[data-dir=after]");
    if (before) before.hidden = num(sec, "start") <= 0;
    if (after) after.hidden = num(sec, "end") >= num(sec, "size");
    var empty = sec.querySelector(".empty");
    if (empty) empty.hidden = box(sec).children.length > 0;
  }

  /** Rows for a window's lines, numbered from n; with merge, the first piece continues the last row. */
  function rows(sec, win, n, merge) {
    var frag = document.createDocumentFragment();
    var err = {};
    for (var e = 0; e < (win.err || []).length; e++) err[win.err[e]] = true;
    var ts = win.ts || [];
    var i = 0;
    if (merge && win.html.length > 0) {
      var last = box(sec).lastElementChild;
      last.lastElementChild.insertAdjacentHTML("beforeend", win.html[0]);
      if (err[0]) last.classList.add("err");
      i = 1;
    }
    for (; i < win.html.length; i++) {
      frag.appendChild(makeLine(sec.dataset.step, n++, win.offs[i], win.html[i], err[i], ts[i]));
    }
    return frag;
  }

  function append(sec, win) {
    var lines = box(sec);
    var merge = sec.dataset.partial === "1" && lines.lastElementChild !== null;
    lines.appendChild(rows(sec, win, num(sec, "line") + lines.children.length, merge));
    sec.dataset.end = String(win.e);
    sec.dataset.partial = win.partial ? "1" : "0";
  }

  function prepend(sec, win) {
    var lines = box(sec);
    var first = lines.firstElementChild;
    var top = first ? first.getBoundingClientRect().top : 0;
    lines.insertBefore(rows(sec, win, win.line, false), first);
    sec.dataset.start = String(win.start);
    sec.dataset.line = String(win.line);
    if (first) window.scrollBy(0, first.getBoundingClientRect().top - top);
  }

  function replace(sec, win) {
    box(sec).textContent = "";
    sec.dataset.start = String(win.start);
    sec.dataset.end = String(win.start);
    sec.dataset.line = String(win.line);
    sec.dataset.partial = "0";
    sec.dataset.size = String(Math.max(num(sec, "size"), win.size));
    win.e = win.end;
    append(sec, win);
  }

  /** While following, old rows leave the DOM so a long live log never grows it without bound. */
  function trim(sec) {
    var lines = box(sec);
    var extra = lines.children.length - MAX_LINES;
    if (extra <= 0) return;
    for (var i = 0; i < extra; i++) lines.removeChild(lines.firstElementChild);
    sec.dataset.line = String(num(sec, "line") + extra);
    sec.dataset.start = lines.firstElementChild.dataset.o;
  }

  function fetchWindow(step, query) {
    return fetch("/builds/" + buildId + "/steps/" + step + "/lines?" + query, { headers: { accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  /** A folded step's log, loaded when it is first opened (the page sends none for it). */
  function loadFolded(sec) {
    sec.dataset.lazy = "0";
    fetchWindow(sec.dataset.step, "").then(function (win) {
      var empty = sec.querySelector(".empty");
      if (win) replace(sec, win);
      if (empty) empty.textContent = win ? "No output." : "The output could not be loaded; try Raw.";
      updateMore(sec);
    });
  }

  function highlight(el, focus) {
    var old = document.querySelectorAll(".ln.hl");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("hl");
    el.classList.add("hl");
    el.scrollIntoView({ block: "center" });
    var link = el.querySelector("a");
    if (focus && link) link.focus({ preventScroll: true });
  }

  function goToLine(step, line) {
    var sec = section(step);
    if (!sec) return;
    // Opening a folded step must not start its own load: the line's window is fetched below.
    sec.dataset.lazy = "0";
    sec.open = true;
    var id = "L" + step + "-" + line;
    var el = document.getElementById(id);
    if (el) { highlight(el, true); return; }
    fetchWindow(step, "line=" + line).then(function (win) {
      if (!win) return;
      replace(sec, win);
      updateMore(sec);
      var target = document.getElementById(id);
      if (target) highlight(target, true);
    });
  }

  function fromHash() {
    var m = /^#L(\\d+)-(\\d+)$/.exec(location.hash);
    if (m) goToLine(Number(m[1]), Number(m[2]));
    return m !== null;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.more") : null;
    if (button) {
      var sec = button.closest(".step");
      var before = button.dataset.dir === "before";
      button.disabled = true;
      fetchWindow(sec.dataset.step, before ? "before=" + num(sec, "start") : "after=" + num(sec, "end")).then(function (win) {
        button.disabled = false;
        if (!win) return;
        if (before && win.end === num(sec, "start")) prepend(sec, win);
        if (!before && win.start === num(sec, "end")) { win.e = win.end; append(sec, win); }
        sec.dataset.size = String(Math.max(num(sec, "size"), win.size));
        updateMore(sec);
      });
      return;
    }
    var jump = event.target.closest ? event.target.closest("#jump-error") : null;
    if (jump) {
      fetch("/builds/" + buildId + "/first-error", { headers: { accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (found) {
          var note = document.getElementById("jump-note");
          if (found && found.step) {
            if (note) note.textContent = "";
            history.replaceState(null, "", "#L" + found.step + "-" + found.line);
            goToLine(found.step, found.line);
          } else if (note) note.textContent = "No error found in the log.";
        });
    }
  });

  // toggle does not bubble: listen in the capture phase for every step's.
  document.addEventListener("toggle", function (event) {
    var sec = event.target;
    if (sec.classList && sec.classList.contains("step") && sec.open && sec.dataset.lazy === "1") loadFolded(sec);
  }, true);

  window.addEventListener("hashchange", fromHash);
  var sections = document.querySelectorAll(".step");
  for (var s = 0; s < sections.length; s++) updateMore(sections[s]);
  var tools = document.getElementById("log-tools");
  if (tools) tools.hidden = false;
  // A linked line wins; otherwise a failed build opens on its first error (marked by the server).
  if (!fromHash() && root.dataset.open) {
    var opening = document.getElementById(root.dataset.open);
    if (opening) opening.scrollIntoView({ block: "center" });
  }

  var cursor = root.dataset.live;
  if (cursor && typeof EventSource !== "undefined") follow(cursor);

  function follow(from) {
    var source = new EventSource("/builds/" + buildId + "/events?from=" + encodeURIComponent(from));
    source.addEventListener("log", function (event) {
      var data = JSON.parse(event.data);
      var sec = section(data.s);
      if (!sec) return;
      sec.dataset.size = String(Math.max(num(sec, "size"), data.e));
      // Exactly contiguous or nothing: a replayed chunk (o < end) or one past a gap (o > end) is skipped.
      if (data.o === num(sec, "end")) {
        var stick = atBottom();
        append(sec, data);
        if (stick && num(sec, "end") >= num(sec, "size")) {
          trim(sec);
          window.scrollTo(0, document.documentElement.scrollHeight);
        }
      }
      updateMore(sec);
    });
    source.addEventListener("build", function (event) {
      var data = JSON.parse(event.data);
      document.getElementById("summary").innerHTML = data.summary;
      document.getElementById("steps").innerHTML = data.steps;
      formatTimes(document.getElementById("summary"));
      var logs = document.getElementById("logs");
      for (var i = 0; i < data.sections.length; i++) {
        var item = data.sections[i];
        var sec = section(item.step);
        if (!sec) {
          logs.insertAdjacentHTML("beforeend", item.section);
          updateMore(section(item.step));
        } else {
          sec.querySelector("h3").innerHTML = item.heading;
          // "Not started yet." is true of a pending step only: it may have run, or been skipped, since.
          // A folded step not opened yet keeps its "loads when opened" note.
          var empty = sec.querySelector(".empty");
          if (empty && sec.dataset.lazy !== "1") empty.textContent = item.empty;
          // A step that starts (or fails) while watched opens; nothing is folded under the reader.
          if (item.open && !sec.open) { sec.dataset.lazy = "0"; sec.open = true; }
        }
      }
      document.title = data.title;
    });
    source.addEventListener("end", function () {
      source.close();
      root.dataset.live = "";
    });
  }

  /** Relative times in a fragment the live stream swapped in (local-times-script.ts, when loaded). */
  function formatTimes(el) {
    if (window.slashbuildTimes) window.slashbuildTimes(el);
  }
`;

export const BUILD_PAGE_JS = `"use strict";
(function () {
${LOG_VIEW_JS}
${LOG_SEARCH_JS}
${LINE_TIMES_JS}
})();
`;
