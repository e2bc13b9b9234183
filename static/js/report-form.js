// Adds the browser's location to the report only after the resident clicks and agrees.
(function () {
  var box = document.querySelector(".geolocation");
  if (!box || !navigator.geolocation) { return; }
  var use = document.getElementById("use-location");
  var clear = document.getElementById("clear-location");
  var status = document.getElementById("location-status");
  var lat = document.querySelector("input[name=latitude]");
  var lon = document.querySelector("input[name=longitude]");
  box.hidden = false;
  use.addEventListener("click", function () {
    status.textContent = use.dataset.waiting || "…";
    navigator.geolocation.getCurrentPosition(function (position) {
      lat.value = position.coords.latitude.toFixed(6);
      lon.value = position.coords.longitude.toFixed(6);
      status.textContent = lat.value + ", " + lon.value;
      clear.hidden = false;
    }, function (error) {
      status.textContent = error.message;
    }, { enableHighAccuracy: true, timeout: 15000 });
  });
  clear.addEventListener("click", function () {
    lat.value = "";
    lon.value = "";
    status.textContent = "";
    clear.hidden = true;
  });
})();
