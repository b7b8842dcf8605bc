// Charts of the pilot dashboard, drawn with the vendored Chart.js from the json_script block
// "pilot-chart-data" ({slug: {type, labels, datasets, horizontal, stacked, unit}}). Every chart
// has the table with the same figures beside it; the page works (and prints) without charts.
(function () {
  "use strict";
  // Every colour stands out 3:1 from the white background (WCAG 2.1 1.4.11).
  var palette = ["#0a58ca", "#a4225e", "#146c43", "#b35900", "#6f42c1", "#087990", "#495057"];

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  var source = document.getElementById("pilot-chart-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var charts = JSON.parse(source.textContent);
  document.querySelectorAll("canvas[data-pilot-chart]").forEach(function (canvas) {
    var spec = charts[canvas.dataset.pilotChart];
    if (!spec) {
      canvas.hidden = true;
      return;
    }
    var valueAxis = spec.horizontal ? "x" : "y";
    var labelAxis = spec.horizontal ? "y" : "x";
    var scales = {};
    scales[valueAxis] = {
      stacked: spec.stacked,
      beginAtZero: true,
      ticks: {
        precision: spec.unit ? undefined : 0,
        callback: function (value) { return spec.unit ? value + " " + spec.unit : value; }
      }
    };
    if (spec.unit === "%") { scales[valueAxis].max = 100; }
    scales[labelAxis] = { stacked: spec.stacked, ticks: { autoSkip: !spec.horizontal } };
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset, index) {
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: palette[index % palette.length]
          };
        })
      },
      options: {
        // Drawn at once: the printed report and screen readers' users get the final picture.
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: { legend: { display: spec.datasets.length > 1, position: "bottom" } },
        scales: scales
      }
    });
  });
})();
