// Together's only script of its own. No inline scripts anywhere: the CSP forbids them.
document.addEventListener("DOMContentLoaded", function () {
  // Signup: tell the server the browser's time zone, so times show in the person's own zone.
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
    if (zone && !input.value) { input.value = zone; }
  });
});

// The sign-out warning: two minutes before the idle timeout, a dialog offers to stay signed in.
document.addEventListener("DOMContentLoaded", function () {
  var dialog = document.getElementById("timeout-warning");
  if (!dialog) { return; }
  var idleMs = parseInt(dialog.dataset.idleSeconds, 10) * 1000;
  var warnMs = Math.max(idleMs - 120000, 0);
  var timer;
  function arm() {
    clearTimeout(timer);
    timer = setTimeout(function () { if (!dialog.open) { dialog.showModal(); } }, warnMs);
  }
  dialog.querySelector("[data-stay]").addEventListener("click", function () {
    fetch(dialog.dataset.keepAlive, {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": dialog.dataset.csrf},
    }).then(function (response) {
      if (response.ok) { dialog.close(); arm(); } else { window.location.reload(); }
    });
  });
  // htmx requests count as activity on the server too: restart the countdown after each.
  document.body.addEventListener("htmx:afterRequest", arm);
  arm();
});
