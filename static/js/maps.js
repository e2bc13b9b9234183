// Draws each map of reports (templates/_macros/maps.html, points_map): a marker at each report's public
// point, linking to its page. The figure stays hidden when Leaflet or the tiles setting is missing.
(function () {
  if (!window.L) { return; }
  function escaped(text) {
    var box = document.createElement("span");
    box.textContent = text || "";
    return box.innerHTML;
  }
  document.querySelectorAll(".reports-map").forEach(function (box) {
    var points = JSON.parse(box.dataset.points || "[]");
    if (!points.length) { return; }
    box.closest(".map-figure").hidden = false;
    // The wheel scrolls the page, not the map: on a long list the map must not catch the scroll.
    var map = L.map(box, { scrollWheelZoom: false });
    map.attributionControl.setPrefix("Leaflet");
    L.tileLayer(box.dataset.tiles, { attribution: escaped(box.dataset.attribution), maxZoom: 18 }).addTo(map);
    var bounds = [];
    points.forEach(function (point) {
      var at = [point.lat, point.lon];
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.title;
      L.marker(at, { title: point.title, alt: point.title }).bindPopup(link).addTo(map);
      bounds.push(at);
    });
    if (bounds.length === 1) {
      map.setView(bounds[0], 14);
    } else {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
    }
  });
})();
