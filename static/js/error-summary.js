// The error summary: focused on load (also by `autofocus`), and each link moves focus to its field
// with the field's label or legend in view, as the GOV.UK pattern does.
(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  if (document.activeElement !== summary) { summary.focus(); }
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (!input) { return; }
    event.preventDefault();
    var group = input.closest("fieldset");
    var caption = group ? group.querySelector("legend") : document.querySelector("label[for='" + input.id + "']");
    (caption || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();
