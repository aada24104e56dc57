// Together's only script of its own. No inline scripts anywhere: the CSP forbids them.
document.addEventListener("DOMContentLoaded", function () {
  // Signup: tell the server the browser's time zone, so times show in the person's own zone.
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
    if (zone && !input.value) { input.value = zone; }
  });
});
