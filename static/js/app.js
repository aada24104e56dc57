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

// Notes save themselves a few seconds after typing stops (htmx on forms marked data-autosave).
// When a save cannot happen, the status line says so, so nothing is lost without a warning.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var status = form.querySelector("[role=status]");
    var path = new URL(form.getAttribute("hx-post"), window.location.href).pathname;
    function notSaved(why) {
      var message = document.createElement("span");
      message.className = "message error";
      message.textContent = "Not saved: " + why;
      status.replaceChildren(message);
    }
    form.addEventListener("htmx:beforeSwap", function (event) {
      var answered = event.detail.xhr.responseURL;
      if (answered && new URL(answered).pathname !== path) {  // sent to the sign-in page
        event.detail.shouldSwap = false;
        notSaved("you have been signed out. Copy what you typed, then sign in again.");
      }
    });
    form.addEventListener("htmx:responseError", function () {
      notSaved("something went wrong on our side. Press Save draft to try again.");
    });
    form.addEventListener("htmx:sendError", function () {
      notSaved("no connection. Keep this page open and press Save draft when you are back online.");
    });
  });
});

// Copy buttons (the calendar address): shown only where the browser can copy.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    var field = document.getElementById(button.dataset.copy);
    var status = document.getElementById("copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) { status.textContent = "Copied. Paste it into your calendar app."; }
      }, function () {
        field.select();
        if (status) { status.textContent = "Select the address and copy it."; }
      });
    });
  });
});
