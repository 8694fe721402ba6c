/**
 * The build page's script, served from /assets as a file (the CSP allows no inline script). It is
 * plain browser JavaScript kept in a string because tsc copies only .ts into dist/: this way the
 * asset ships with the compiled service and needs no build step. The browser tests exercise it.
 *
 * What it does: follows the live log over SSE (appending only a chunk whose start is exactly the
 * window's end, so a replay can never duplicate and a gap is never papered over), keeps at most
 * MAX_LINES rows in the DOM while following, pages earlier and later windows, jumps to a linked
 * line or the first error, and swaps in the server-rendered header when the build changes. Line
 * HTML comes from the server's escape-first ANSI converter; text it inserts itself uses textContent.
 */
export const BUILD_PAGE_JS = `"use strict";
(function () {
  var root = document.getElementById("build");
  if (!root) return;
  var buildId = root.dataset.build;
  var MAX_LINES = 5000;

  function section(step) { return document.getElementById("step-" + step); }
  function num(sec, key) { return Number(sec.dataset[key] || 0); }
  function box(sec) { return sec.querySelector(".lines"); }
  function atBottom() { return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 48; }

  function makeLine(step, n, offset, markup) {
    var row = document.createElement("div");
    row.className = "ln";
    row.id = "L" + step + "-" + n;
    row.dataset.o = String(offset);
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
    var i = 0;
    if (merge && win.html.length > 0) {
      box(sec).lastElementChild.lastElementChild.insertAdjacentHTML("beforeend", win.html[0]);
      i = 1;
    }
    for (; i < win.html.length; i++) frag.appendChild(makeLine(sec.dataset.step, n++, win.offs[i], win.html[i]));
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

  function highlight(el) {
    var old = document.querySelectorAll(".ln.hl");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("hl");
    el.classList.add("hl");
    el.scrollIntoView({ block: "center" });
    var link = el.querySelector("a");
    if (link) link.focus({ preventScroll: true });
  }

  function goToLine(step, line) {
    var id = "L" + step + "-" + line;
    var el = document.getElementById(id);
    if (el) { highlight(el); return; }
    var sec = section(step);
    if (!sec) return;
    fetchWindow(step, "line=" + line).then(function (win) {
      if (!win) return;
      replace(sec, win);
      updateMore(sec);
      var target = document.getElementById(id);
      if (target) highlight(target);
    });
  }

  function fromHash() {
    var m = /^#L(\\d+)-(\\d+)$/.exec(location.hash);
    if (m) goToLine(Number(m[1]), Number(m[2]));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.more") : null;
    if (button) {
      var sec = button.closest("section.step");
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

  window.addEventListener("hashchange", fromHash);
  var sections = document.querySelectorAll("section.step");
  for (var s = 0; s < sections.length; s++) updateMore(sections[s]);
  fromHash();

  var cursor = root.dataset.live;
  if (!cursor || typeof EventSource === "undefined") return;
  var source = new EventSource("/builds/" + buildId + "/events?from=" + encodeURIComponent(cursor));
  source.addEventListener("log", function (event) {
    var data = JSON.parse(event.data);
    var sec = section(data.s);
    if (!sec) return;
    sec.dataset.size = String(Math.max(num(sec, "size"), data.e));
    // Exactly contiguous or nothing: a replayed chunk (o < end) or one past a gap (o > end) is skipped.
    if (data.o === num(sec, "end")) {
      var follow = atBottom();
      append(sec, data);
      if (follow && num(sec, "end") >= num(sec, "size")) {
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
        var empty = sec.querySelector(".empty");
        if (empty) empty.textContent = item.empty;
      }
    }
    document.title = data.title;
  });
  source.addEventListener("end", function () {
    source.close();
    root.dataset.live = "";
  });
})();
`;
