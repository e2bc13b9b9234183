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

  // Similar open reports of the chosen category near the point (or in the area), fetched as an HTML fragment
  // the server renders; without JavaScript the form has a link to the same list on a page of its own.
  var slot = document.getElementById("nearby-slot");
  var asked = "";
  function lookNearby() {
    if (!slot || !window.fetch) { return; }
    var category = document.querySelector("input[name=category]:checked");
    var area = document.querySelector("select[name=area]");
    if (!category) { return; }
    var query = "fragment=1&category=" + encodeURIComponent(category.value) +
      "&area=" + encodeURIComponent(area ? area.value : "") +
      "&lat=" + encodeURIComponent(lat.value) + "&long=" + encodeURIComponent(lon.value);
    if (query === asked) { return; }
    asked = query;
    fetch(slot.dataset.url + "?" + query, { credentials: "same-origin" }).then(function (response) {
      return response.text();
    }).then(function (html) {
      if (query === asked) { slot.innerHTML = html; }
    }).catch(function () { asked = ""; });
  }
  document.querySelectorAll("input[name=category], select[name=area]").forEach(function (input) {
    input.addEventListener("change", lookNearby);
  });

  function set(latitude, longitude, centre) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    lookNearby();
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
    lookNearby();
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
  if (lat.value && lon.value) { set(parseFloat(lat.value), parseFloat(lon.value), true); } else { lookNearby(); }
})();
