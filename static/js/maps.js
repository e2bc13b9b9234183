// Maps (templates/_macros/maps.html): `window.portalMap` makes a Leaflet map from an element's data attributes
// (tiles, attribution, where it opens, the controls' words in the page's language), and every map of reports
// (points_map) is drawn with a marker at each report's public point, linking to its page. Without Leaflet
// nothing happens: the figures stay hidden, and the report form has no picker.
(function () {
  if (!window.L) { return; }

  function portalMap(element, settings) {
    // The wheel scrolls the page, not the map: a map on a long page must not catch the scroll.
    var map = L.map(element, { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: settings.zoomIn, zoomOutTitle: settings.zoomOut }).addTo(map);
    map.attributionControl.setPrefix("Leaflet");
    // The attribution is the operator's text, shown as text (Leaflet would read it as HTML).
    var attribution = document.createElement("span");
    attribution.textContent = settings.attribution || "";
    L.tileLayer(settings.tiles, { attribution: attribution.innerHTML, maxZoom: 18 }).addTo(map);
    if (settings.labels) { L.tileLayer(settings.labels, { maxZoom: 18 }).addTo(map); }
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", settings.close); close.title = settings.close; }
    });
    var centre = (settings.centre || "0,0").split(",").map(parseFloat);
    map.setView(centre, parseInt(settings.zoom, 10) || 2);
    return map;
  }
  window.portalMap = portalMap;

  document.querySelectorAll(".reports-map").forEach(function (box) {
    var points = JSON.parse(box.dataset.points || "[]");
    if (!points.length) { return; }
    box.closest(".map-figure").hidden = false;
    var map = portalMap(box, box.dataset);
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
