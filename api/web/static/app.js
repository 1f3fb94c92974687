// slatrack: progressive enhancement only. The pages work without it.
// - live SLA countdowns on <time class="countdown" datetime="...">
// - <time class="local" datetime="..."> shown in the reader's own time zone (the mail folder)
// - a submitted form's buttons are disabled so a double tap sends once (the server also
//   replays a resubmitted form instead of recording twice)
(function () {
  "use strict";
  function span(minutes) {
    var m = Math.round(Math.abs(minutes));
    var d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
    if (d) return d + " d " + h + " h";
    if (h) return h + " h " + mm + " min";
    return mm + " min";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown[datetime]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) return;
      var left = (due - now) / 60000;
      el.textContent = left >= 0 ? "due in " + span(left) : "overdue by " + span(-left);
      if (left < 0) el.classList.add("overdue");
    });
  }
  function localTimes() {
    document.querySelectorAll("time.local[datetime]").forEach(function (el) {
      var at = new Date(el.getAttribute("datetime"));
      if (isNaN(at.getTime())) return;
      el.title = el.textContent;
      el.textContent = at.toLocaleString(undefined, {weekday: "short", day: "numeric", month: "short",
        year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false, timeZoneName: "short"});
    });
  }
  // a wide table scrolls in its .scroll wrapper: say so above it while it overflows
  function scrollHints() {
    document.querySelectorAll(".scroll").forEach(function (box) {
      var hint = box.previousElementSibling;
      var has = hint && hint.classList.contains("scroll-hint");
      var wide = box.scrollWidth > box.clientWidth + 1;
      if (wide && !has) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.setAttribute("aria-hidden", "true");
        hint.textContent = "scroll sideways for more columns \u2192";
        box.parentNode.insertBefore(hint, box);
      } else if (!wide && has) {
        hint.remove();
      }
    });
  }
  window.addEventListener("resize", scrollHints);
  document.addEventListener("DOMContentLoaded", function () {
    scrollHints();
    localTimes();
    tick();
    setInterval(tick, 15000);
    document.querySelectorAll("form[method=post]").forEach(function (form) {
      form.addEventListener("submit", function () {
        window.setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
        // a download (report PDF) leaves the page in place: enable the button again later
        window.setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
        }, 8000);
      });
    });
  });
})();
