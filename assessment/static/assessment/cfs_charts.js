// Charts of the 911 calls analysis. Data comes from the json_script block "cfs-chart-data";
// every chart has a table with the same numbers next to it.
(function () {
  "use strict";
  var source = document.getElementById("cfs-chart-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var charts = JSON.parse(source.textContent);
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = charts[canvas.dataset.chart];
    if (!spec) {
      canvas.hidden = true;
      return;
    }
    var stacked = spec.type === "bar" && spec.datasets.some(function (set) { return set.stack; });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : undefined,
      indexAxis: spec.horizontal ? "y" : "x",
      plugins: { legend: { position: "bottom" } },
      scales: {
        x: { stacked: stacked, beginAtZero: true },
        y: { stacked: stacked, beginAtZero: true }
      }
    };
    // Every category or area label matters: do not let the axis skip any.
    options.scales[spec.horizontal ? "y" : "x"].ticks = { autoSkip: false };
    if (spec.percent) {
      options.scales[spec.horizontal ? "x" : "y"].ticks = { callback: function (value) { return value + " %"; } };
    }
    canvas.parentElement.style.position = "relative";
    canvas.parentElement.style.height = (canvas.getAttribute("height") || 260) + "px";
    new Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets: spec.datasets }, options: options });
  });
})();
