// A button marked `data-print` prints the page (the receipt or the registration code); bound here because
// the Content-Security-Policy runs no inline handler.
(function () {
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function () { window.print(); });
  }
})();
