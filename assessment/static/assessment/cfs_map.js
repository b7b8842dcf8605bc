// The 911 analysis map: divertible calls per grid cell (json_script "cfs-map-data"), drawn with
// Leaflet. Tiles only when the server configured a tile URL (CFS_MAP_TILE_URL); without one the
// cells are drawn on a blank background and nothing is requested from elsewhere.
(function () {
  "use strict";
  var element = document.getElementById("cfs-map");
  var source = document.getElementById("cfs-map-data");
  if (!element || !source || typeof L === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var map = L.map(element, { scrollWheelZoom: false, preferCanvas: false });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: new URL(data.tileUrl.replace(/[{}]/g, "")).host }).addTo(map);
  } else {
    element.classList.add("cfs-map-no-tiles");
    element.style.background = "#f8f9fa";
  }
  var bounds = [];
  var max = data.max || 1;
  data.cells.forEach(function (cell) {
    var corners = [[cell[0], cell[1]], [cell[2], cell[3]]];
    var intensity = 0.15 + 0.8 * (cell[4] / max);
    L.rectangle(corners, {
      className: "cfs-map-cell",
      weight: data.tileUrl ? 0 : 0.5,
      color: "#0f5132",
      fillColor: "#198754",
      fillOpacity: intensity,
    })
      .bindTooltip(String(cell[4]))
      .addTo(map);
    bounds.push(corners[0], corners[1]);
  });
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [10, 10] });
  } else {
    map.setView([0, 0], 1);
  }
  element.dataset.cells = String(data.cells.length);
})();
