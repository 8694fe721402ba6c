/**
 * The build page's search box (part of build-page-script.ts's scope): asks the server to search the
 * whole log (`/builds/N/search`, which reads a bounded amount per answer and says where to go on),
 * goes on by itself up to SHOWN_MATCHES, and lists each matching line with its hits marked. A hit
 * opens its line like a line link does, loading that part of the log and unfolding its step. The
 * server's text is inserted with textContent only.
 */
export const LOG_SEARCH_JS = `
  var searchForm = document.getElementById("log-search");
  var searchInput = document.getElementById("log-q");
  var searchResults = document.getElementById("search-results");
  var SHOWN_MATCHES = 500;
  var MAX_ASKS = 64;
  var searchRun = 0;

  function hitItem(match) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = "#L" + match.step + "-" + match.line;
    link.dataset.step = String(match.step);
    link.dataset.line = String(match.line);
    var where = document.createElement("span");
    where.className = "where";
    where.textContent = "Step " + match.step + ", line " + match.line;
    var text = document.createElement("code");
    var at = 0;
    for (var i = 0; i < match.hits.length; i++) {
      var hit = match.hits[i];
      text.appendChild(document.createTextNode(match.text.slice(at, hit[0])));
      var mark = document.createElement("mark");
      mark.textContent = match.text.slice(hit[0], hit[0] + hit[1]);
      text.appendChild(mark);
      at = hit[0] + hit[1];
    }
    text.appendChild(document.createTextNode(match.text.slice(at)));
    link.appendChild(where);
    link.appendChild(text);
    item.appendChild(link);
    return item;
  }

  function search(q) {
    var run = ++searchRun;
    var asks = 0;
    var count = 0;
    searchResults.hidden = false;
    searchResults.textContent = "";
    var head = document.createElement("p");
    head.className = "search-head";
    head.textContent = "Searching the whole log…";
    var list = document.createElement("ol");
    list.className = "hits";
    searchResults.appendChild(head);
    searchResults.appendChild(list);
    function said(more) {
      if (count === 0) return "No line of the log has “" + q + "”.";
      var lines = count + " line" + (count === 1 ? "" : "s") + " with “" + q + "”";
      return more ? "The first " + lines + "; search again with more words to narrow it." : lines + ".";
    }
    function ask(next) {
      asks++;
      var query = "q=" + encodeURIComponent(q) + (next ? "&step=" + next.step + "&from=" + next.from + "&line=" + next.line : "");
      fetch("/builds/" + buildId + "/search?" + query, { headers: { accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          if (run !== searchRun) return;
          if (!answer.ok) { head.textContent = answer.body.message || "The search failed; try again."; return; }
          var matches = answer.body.matches;
          for (var i = 0; i < matches.length && count < SHOWN_MATCHES; i++, count++) list.appendChild(hitItem(matches[i]));
          var next = answer.body.next;
          if (next && count < SHOWN_MATCHES && asks < MAX_ASKS) {
            head.textContent = "Searching the whole log… " + count + " so far";
            ask(next);
            return;
          }
          head.textContent = said(next !== null);
        })
        .catch(function () { if (run === searchRun) head.textContent = "The search failed; try again."; });
    }
    ask(null);
  }

  if (searchForm) {
    searchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (searchInput.value) search(searchInput.value);
    });
    searchResults.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[data-line]") : null;
      if (!link) return;
      event.preventDefault();
      history.replaceState(null, "", link.getAttribute("href"));
      goToLine(Number(link.dataset.step), Number(link.dataset.line));
    });
  }
`;
