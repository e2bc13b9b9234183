// Adds a point to the report only when the resident asks: their browser's location (after they agree), or,
// when the portal has a map, a tap or click on it (a marker they can drag, or put at the map's centre from
// the keyboard). Without JavaScript, or without a map, the form sends no point and works all the same.
(function () {
  var box = document.querySelector(".geolocation");
  var lat = document.querySelector("input[name=latitude]");
  var lon = document.querySelector("input[name=longitude]");
  if (!box || !lat || !lon) { return; }
  var use = document.getElementById("use-location");
  var clear = document.getElementById("clear-location");
  var status = document.getElementById("location-status");
  var picker = document.querySelector(".map-picker");
  var map = null;
  var marker = null;

  function set(latitude, longitude, centre) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    status.textContent = (box.dataset.chosen || "%s").replace("%s", lat.value + ", " + lon.value);
    clear.hidden = false;
    if (!map) { return; }
    var at = [latitude, longitude];
    if (marker) {
      marker.setLatLng(at);
    } else {
      marker = L.marker(at, { draggable: true, title: box.dataset.marker, alt: box.dataset.marker }).addTo(map);
      marker.on("dragend", function () {
        var moved = marker.getLatLng().wrap();
        set(moved.lat, moved.lng, false);
      });
    }
    if (centre) { map.setView(at, Math.max(map.getZoom(), 15)); }
  }

  function remove() {
    lat.value = "";
    lon.value = "";
    status.textContent = box.dataset.removed || "";
    clear.hidden = true;
    if (marker) {
      marker.remove();
      marker = null;
    }
  }

  if (picker && window.portalMap) {
    // Shown before the map is made: Leaflet measures its box once, and a hidden one measures nothing.
    box.hidden = false;
    picker.hidden = false;
    map = window.portalMap(picker.querySelector(".map"), picker.dataset);
    map.on("click", function (event) {
      var at = event.latlng.wrap();
      set(at.lat, at.lng, false);
    });
    var atCentre = document.getElementById("point-at-centre");
    atCentre.hidden = false;
    atCentre.addEventListener("click", function () {
      var at = map.getCenter().wrap();
      set(at.lat, at.lng, false);
    });
  }
  if (navigator.geolocation) {
    box.hidden = false;
    use.addEventListener("click", function () {
      status.textContent = use.dataset.waiting || "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        set(position.coords.latitude, position.coords.longitude, true);
      }, function (error) {
        status.textContent = error.message;
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  } else {
    use.hidden = true;
  }
  clear.addEventListener("click", remove);
  // A form sent back with an error keeps the point the resident chose.
  if (lat.value && lon.value) { set(parseFloat(lat.value), parseFloat(lon.value), true); }
})();
