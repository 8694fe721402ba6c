/**
 * The build page's "Times" switch (part of build-page-script.ts's scope): each row that carries
 * `data-t` (epoch ms, on the first row of a window and wherever the second changes) gets the time
 * of day in the viewer's own time zone as `data-tl`, which the stylesheet shows in front of the
 * line while `#logs` has `show-times`. The choice is remembered in this browser.
 */
export const LINE_TIMES_JS = `
  var clockFormat = typeof Intl !== "undefined"
    ? new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
    : null;

  function stampRow(row, t) {
    var at = new Date(Number(t));
    row.dataset.t = String(t);
    row.dataset.tl = clockFormat ? clockFormat.format(at) : at.toISOString().slice(11, 19);
  }

  var stamped = document.querySelectorAll(".ln[data-t]");
  for (var st = 0; st < stamped.length; st++) stampRow(stamped[st], stamped[st].dataset.t);

  var timesSwitch = document.getElementById("show-times");
  function showTimes(on) {
    document.getElementById("logs").classList.toggle("show-times", on);
  }
  if (timesSwitch && !timesSwitch.disabled) {
    try { timesSwitch.checked = localStorage.getItem("slashbuild.times") === "1"; } catch (e) {}
    showTimes(timesSwitch.checked);
    timesSwitch.addEventListener("change", function () {
      showTimes(timesSwitch.checked);
      try { localStorage.setItem("slashbuild.times", timesSwitch.checked ? "1" : "0"); } catch (e) {}
    });
  }
`;
