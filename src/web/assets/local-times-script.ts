/**
 * Every page's times (`<time datetime>`, view-helpers.ts timeTag), in the viewer's terms: "3 minutes
 * ago", with the exact date and time in the browser's own time zone on hover. The server writes UTC,
 * which stays when scripts do not run. Rewritten every 30 s so "just now" does not stay; the build
 * page calls `slashbuildTimes(el)` on the header it swaps in.
 */
export const LOCAL_TIMES_JS = `"use strict";
(function () {
  if (typeof Intl === "undefined" || !Intl.RelativeTimeFormat) return;
  var relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  var exact = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });
  var UNITS = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.345, "week"], [12, "month"], [Infinity, "year"]];

  function ago(ms) {
    var value = (ms - Date.now()) / 1000;
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(value) < UNITS[i][0]) return relative.format(Math.round(value), UNITS[i][1]);
      value /= UNITS[i][0];
    }
    return "";
  }

  function format(root) {
    var times = (root || document).querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var ms = Date.parse(times[i].getAttribute("datetime"));
      if (isNaN(ms)) continue;
      times[i].textContent = ago(ms);
      times[i].title = exact.format(new Date(ms));
    }
  }

  window.slashbuildTimes = format;
  format(document);
  setInterval(function () { format(document); }, 30000);
})();
`;
