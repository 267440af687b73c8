// Live countdowns and the stale-data warning. No inline script anywhere (the CSP forbids it).
(function () {
  "use strict";
  var skew = 0;            // server time - browser time, in ms
  var lastHeard = Date.now();
  var lost = false;        // the event stream failed: what is shown may be old
  var STALE_MS = 30000;    // three missed 10 s heartbeats

  function readNow() {
    var el = document.querySelector(".board-data[data-now]");
    if (el) {
      var server = Date.parse(el.getAttribute("data-now"));
      if (!isNaN(server)) { skew = server - Date.now(); }
    }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function fmt(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    if (d) { return d + "d " + pad(h) + ":" + pad(m); }  // days for dispute cases, seconds for musters
    return (h ? h + ":" + pad(m) : m) + ":" + pad(sec);
  }

  function tick() {
    var body = document.body;
    if (!body) { return; }
    var left = body.getAttribute("data-l-left") || "left";
    var over = body.getAttribute("data-l-over") || "overdue";
    var now = Date.now() + skew;
    var els = document.querySelectorAll("[data-due]");
    for (var i = 0; i < els.length; i++) {
      var due = Date.parse(els[i].getAttribute("data-due"));
      if (isNaN(due)) { continue; }
      var d = due - now;
      var step = els[i].closest(".step");
      if (d < 0) {
        els[i].textContent = over + " " + fmt(d);
        els[i].classList.add("late");
        if (step) { step.classList.add("overdue"); step.classList.remove("pending"); }
      } else {
        els[i].textContent = left + " " + fmt(d);
        els[i].classList.remove("late");
      }
    }
    var stale = document.getElementById("stale");
    if (stale && document.querySelector("[sse-connect]")) {
      var isStale = lost || Date.now() - lastHeard > STALE_MS;
      stale.hidden = !isStale;
      document.body.classList.toggle("is-stale", isStale);
    }
  }

  function heard() {
    lastHeard = Date.now();
    lost = false;
    var t = document.getElementById("stale-time");
    if (t) { t.textContent = new Date(lastHeard).toLocaleTimeString(); }
  }

  document.addEventListener("htmx:sseMessage", heard);
  document.addEventListener("htmx:sseOpen", heard);
  document.addEventListener("htmx:sseError", function () { lost = true; tick(); });
  document.addEventListener("htmx:afterSwap", function () { readNow(); heard(); tick(); });
  document.addEventListener("DOMContentLoaded", function () { readNow(); heard(); tick(); setInterval(tick, 1000); });
})();
