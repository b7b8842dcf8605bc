/* Bar charts for the outreach pages, drawn with the vendored Chart.js.
 * Data comes from a json_script element; every chart has a table with the same figures beside it. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  // Every colour stands out 3:1 from the white background (WCAG 2.1 1.4.11).
  var palette = ["#0a58ca", "#146c43", "#a4225e", "#b35900", "#6f42c1", "#087990", "#495057"];

  // Survey results: one horizontal bar chart per question.
  var surveyData = document.getElementById("survey-charts");
  if (surveyData) {
    var charts = JSON.parse(surveyData.textContent);
    charts.forEach(function (chart) {
      var canvas = document.querySelector('canvas[data-chart-id="' + chart.id + '"]');
      if (!canvas) { return; }
      new Chart(canvas, {
        type: "bar",
        data: { labels: chart.labels, datasets: [{ data: chart.counts, backgroundColor: palette[0] }] },
        options: {
          indexAxis: "y",
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
    });
  }

  // Outreach summary: people reached per month, stacked by event kind.
  var reachData = document.getElementById("reach-chart-data");
  var reachCanvas = document.getElementById("reach-chart");
  if (reachData && reachCanvas) {
    var reach = JSON.parse(reachData.textContent);
    new Chart(reachCanvas, {
      type: "bar",
      data: {
        labels: reach.labels,
        datasets: reach.datasets.map(function (dataset, index) {
          return { label: dataset.label, data: dataset.data, backgroundColor: palette[index % palette.length] };
        })
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
})();
