// Dashboard charts: the SVG is drawn by the server; this only adds a read-out line under
// each chart for the bar under the pointer or keyboard focus (the <title> is the fallback
// tooltip), and sizes the experts' share bars. No inline script, no library (CSP 'self').
(function () {
  "use strict";

  function wireChart(svg) {
    var readout = svg.parentNode.querySelector(".chart-readout");
    if (!readout) return;
    var show = function (event) {
      var target = event.target.closest("[data-readout]");
      if (!target || !svg.contains(target)) return;
      svg.querySelectorAll(".is-active").forEach(function (el) { el.classList.remove("is-active"); });
      target.classList.add("is-active");
      readout.textContent = target.getAttribute("data-readout");
    };
    svg.addEventListener("mouseover", show);
    svg.addEventListener("focusin", show);
    svg.addEventListener("mouseleave", function () {
      svg.querySelectorAll(".is-active").forEach(function (el) { el.classList.remove("is-active"); });
      readout.textContent = "";
    });
  }

  function sizeShareBars() {
    // Bars relative to the top expert, so small shares still compare visibly.
    var bars = document.querySelectorAll(".share-bar[data-share]");
    var top = 0;
    bars.forEach(function (bar) { top = Math.max(top, parseFloat(bar.getAttribute("data-share")) || 0); });
    bars.forEach(function (bar) {
      var share = parseFloat(bar.getAttribute("data-share")) || 0;
      // CSSOM writes are allowed under style-src 'self' (only inline style attributes are not).
      bar.style.width = (top > 0 ? Math.max(0.15, share / top) * 5 : 0) + "rem";
    });
  }

  function init() {
    document.querySelectorAll("svg[data-chart]").forEach(wireChart);
    sizeShareBars();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
